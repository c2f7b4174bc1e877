-- A person's social worker comes from the requests service's allocation events (PersonAllocated /
-- PersonDeallocated), no longer from who acted on the person's requests: the pairs recorded that
-- way granted access nobody allocated, so they go. Allocations published since refill the table.
COMMENT ON TABLE person_social_worker IS
    'The social worker each person is currently allocated to (from PersonAllocated / PersonDeallocated): they may read the person''s budget and statement.';
DELETE FROM person_social_worker;
