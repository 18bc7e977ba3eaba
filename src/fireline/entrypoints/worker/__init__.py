"""The worker: the loop that fires due timers (`fireline worker`, or inside `fireline serve`)."""
