package main

// cursorKeyFile is the key that seals list cursors, beside the database in
// the data directory (so every gateway sharing the directory shares it).
// Losing it only invalidates cursors already handed out; it need not be
// backed up.
const cursorKeyFile = "cursor.key"
