"""The Run Checks domain: review, overrides, remarks, tickets, dashboard figures."""
