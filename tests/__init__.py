"""The test suites. A package so that `tests.support` imports as itself, never as a
`tests` package some installed distribution might ship."""
