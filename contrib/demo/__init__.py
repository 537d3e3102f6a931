"""The first-run demo: a starter taxonomy written by the Seedbed authors and a demo admin account."""
