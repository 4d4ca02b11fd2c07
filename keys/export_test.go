package keys

// SetSessionHook makes s call f after each renewal, re-login or failure of
// its token, with the event's name ("renewed", "login", "renew-failed",
// "login-failed", "expired") and error. Call it before Run and before the
// session is given to a Manager.
func SetSessionHook(s *Session, f func(event string, err error)) { s.hook = f }

// InFlight is how many Transit sign requests of s's key version are out.
func (m *Manager) InFlight(s *Signer) int {
	b := m.batcherFor(s)
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.inFlight
}

// Queued is how many signatures of s's key version wait for a batch.
func (m *Manager) Queued(s *Signer) int {
	b := m.batcherFor(s)
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}
