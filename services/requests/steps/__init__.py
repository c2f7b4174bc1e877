"""The use cases of the requests service, each inside the caller's transaction: lock or insert the
request, apply the domain step, save the new state, record the event in the outbox and a history
row with the actor and their reason. `submission` (a new request), `lifecycle` (a step a person or
officer takes through the API), `activation` (an arrangement in place, from the agreements service).
"""
