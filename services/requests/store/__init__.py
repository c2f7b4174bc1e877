"""SQL of the requests service, one module per group of tables: `requests` (requests and their
personal details), `history` (the steps taken on each request)."""
