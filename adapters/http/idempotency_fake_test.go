package http

import (
	"context"
	"sync"
)

// MemoryKeys keeps Idempotency-Keys in memory for the tests, with the
// semantics of postgres.IdempotencyKeys (tested there) but no expiry: a
// claim holds the key until Complete stores the answer or Release frees it.
type MemoryKeys struct {
	mu   sync.Mutex
	keys map[[2]string]*keptKey
}

// keptKey is a claimed key: its first request's fingerprint, and the
// answer once there is one.
type keptKey struct {
	fingerprint string
	answer      []byte
}

// NewMemoryKeys returns an empty key store.
func NewMemoryKeys() *MemoryKeys { return &MemoryKeys{keys: map[[2]string]*keptKey{}} }

// Claim takes the key, or tells who has it, as IdempotencyKeys says.
func (m *MemoryKeys) Claim(_ context.Context, account, key, fingerprint string) (string, []byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if k, ok := m.keys[[2]string{account, key}]; ok {
		return k.fingerprint, k.answer, nil
	}
	m.keys[[2]string{account, key}] = &keptKey{fingerprint: fingerprint}
	return "", nil, nil
}

// Complete stores the answer of the request that claimed the key.
func (m *MemoryKeys) Complete(_ context.Context, account, key string, answer []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if k, ok := m.keys[[2]string{account, key}]; ok {
		k.answer = answer
	}
	return nil
}

// Release frees a claimed key.
func (m *MemoryKeys) Release(_ context.Context, account, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, [2]string{account, key})
	return nil
}
