"""The delivery monitoring service: provider call-monitoring feeds in; verified visits and confirmed actuals out."""
