"""The payments service: payment runs with maker-checker, BACS and ISO 20022 files, journals, direct payments."""
