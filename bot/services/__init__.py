"""Services: long-lived work over the store and the core. No discord."""
