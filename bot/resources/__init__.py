"""Resources: a catalogue, bookings without conflicts, waiting lists and automatic release."""
