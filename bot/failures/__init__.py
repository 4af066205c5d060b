"""Failed notices surfaced: one DM a day to the admins listing what could not be delivered."""
