package audit

// SetPageSize makes Verify read n records per query.
func SetPageSize(l *Log, n int) { l.pageSize = n }
