"""Reports people read, built on what results declare (`harness.metrics.fields`): the HTML report, paper
tables, leaderboards, the regression gate, bootstrap intervals. Nothing here asks what kind a result is."""
