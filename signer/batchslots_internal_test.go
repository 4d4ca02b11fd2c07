package signer

import (
	"runtime"
	"slices"
	"testing"
)

// TestSlotsLowestIndexFirst: with every slot taken, released slots go to
// the waiting documents lowest index first, whatever order they began
// waiting in, and never to more documents than there are slots.
func TestSlotsLowestIndexFirst(t *testing.T) {
	s := newSlots(2)
	s.acquire(0)
	s.acquire(1)
	got := make(chan int)
	waiters := []int{7, 3, 9, 5}
	for _, i := range waiters {
		go func() {
			s.acquire(i)
			got <- i
		}()
		// Wait until it is queued, so the queue order is the one above.
		for !s.isWaiting(i) {
			runtime.Gosched()
		}
	}
	var order []int
	for range waiters {
		s.release()
		order = append(order, <-got)
	}
	if want := []int{3, 5, 7, 9}; !slices.Equal(order, want) {
		t.Errorf("slots went to documents %v, want %v", order, want)
	}
	// Two slots were taken and four handed over: both are still taken.
	s.mu.Lock()
	free := s.free
	s.mu.Unlock()
	if free != 0 {
		t.Errorf("free slots = %d, want 0", free)
	}
	s.release()
	s.release()
	if s.free != 2 {
		t.Errorf("free slots after releasing all = %d, want 2", s.free)
	}
}

// isWaiting reports whether document index waits for a slot.
func (s *slots) isWaiting(index int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.waiting {
		if w.index == index {
			return true
		}
	}
	return false
}
