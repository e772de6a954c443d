"""Team analytics: the manager's report computed with pandas over frames read from the store. Kept out of
`addin.core` (which stays free of pandas and loads fast for the rep's commands and the cell functions); the
rules it counts by (what is overdue, stale, a change) are the core's: settings, stages, grades, periods."""
