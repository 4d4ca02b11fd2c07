package api

import (
	"fmt"
	"sync"

	"github.com/kyso-vn/kyso/errkind"
)

// CodeTooManyInFlight is the error code of a client that has too many
// requests in progress at once.
const CodeTooManyInFlight = "too_many_requests_in_progress"

// clientSlots bounds the requests each client system has in progress at
// once, so that one e-office system's burst cannot take every signing
// worker from the others. A request beyond the bound is refused at once
// (429 with Retry-After) rather than queued: the client's own retry with
// back-off is what spreads the load.
type clientSlots struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

func newClientSlots(max int) *clientSlots { return &clientSlots{max: max, n: map[string]int{}} }

// acquire takes a slot of client and reports whether one was free.
func (c *clientSlots) acquire(client string) bool {
	if c.max <= 0 {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[client] >= c.max {
		return false
	}
	c.n[client]++
	return true
}

// release gives back a slot taken by acquire.
func (c *clientSlots) release(client string) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[client]--; c.n[client] <= 0 {
		delete(c.n, client) // the map holds only clients with requests in progress
	}
}

func (s *Server) tooManyInFlight() error {
	return errkind.New(errkind.TooMany, fmt.Sprintf(
		"this client already has %d requests in progress; wait for one to finish (or retry after a second)", s.cfg.ClientConcurrency))
}
