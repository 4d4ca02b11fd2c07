package keys

// SetSessionHook makes s call f after each renewal, re-login or failure of
// its token, with the event's name ("renewed", "login", "renew-failed",
// "login-failed", "expired") and error. Call it before Run and before the
// session is given to a Manager.
func SetSessionHook(s *Session, f func(event string, err error)) { s.hook = f }
