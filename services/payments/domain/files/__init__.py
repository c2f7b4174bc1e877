"""The files a payment run is exported as: Bacs Standard 18, ISO 20022 pain.001, the general-ledger
journal, remittance advices, and the prompt-payment reports. Pure: each takes a run and returns
the file's bytes or text; the same run always gives byte-identical files. `stored` names each file
as it is stored and downloaded, with the control total read back from its bytes."""
