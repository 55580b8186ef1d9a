"""Staff pages that draw each declared workflow (the process), with how many objects are in each state."""
