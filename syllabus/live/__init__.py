"""Live lessons: scheduled BigBlueButton or Jitsi sessions, attendance and reminders."""
