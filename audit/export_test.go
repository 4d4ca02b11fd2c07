package audit

// SetPageSize makes Verify read n records per query.
func SetPageSize(l *Log, n int) { l.pageSize = n }

// Queued returns how many records wait for the append in progress.
func Queued(l *Log) int {
	l.appender.mu.Lock()
	defer l.appender.mu.Unlock()
	return len(l.appender.queue)
}
