// swift-format-ignore-file
// README.md, section "Add the dependency": made by scripts/readme-snippets, do not edit.

import FlowStreams               // Flow, FlowContext, FlowError, InMemoryStreamManager
import FlowStreamsHummingbird    // FlowServer, Router.addFlow
import FlowStreamsSQLite         // SQLiteStreamManager
