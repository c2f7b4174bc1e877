"""Delivery's SQL, one module per group of tables (schema `delivery`)."""
