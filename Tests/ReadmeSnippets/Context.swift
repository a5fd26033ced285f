// The names README.md's snippets use without defining them, so that each snippet compiles as it is
// written there (scripts/readme-snippets copies the snippets next to this file). Written by hand.

import Logging

/// The logger the PostgreSQL snippet passes around ("a logger of your own").
let logger = Logger(label: "readme")
