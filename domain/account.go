package domain

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Account rules (stream account-<id>):
//
//  1. An account exists, without limits, before its stream has an event. A
//     limit of 0 means unlimited; a negative limit is invalid. Setting the
//     limits the account already has records nothing, as the limit queues
//     redeliver.
//  2. A starting campaign reserves one of the account's active-campaign
//     slots, refused with LimitExceededError when max_active_campaigns > 0
//     slots are taken. Reserving again for the same campaign records
//     nothing. A limit lowered below the slots taken keeps the reservations
//     made; new ones are refused until enough are released.
//  3. A stopped campaign releases its slot; releasing a slot the campaign
//     does not hold records nothing.
//  4. A manifest is counted into the catalog (+1) and out of it (−1) once
//     each; counting it again the same way records nothing. Counting in is
//     refused when max_manifests > 0 manifests are counted, or when its
//     payload is larger than max_payload_bytes > 0: that limit is on each
//     payload, as the stored count events carry no sizes to total.
//  5. A firmware image larger than max_payload_bytes > 0 is refused; the
//     limit is on each image, like each payload. Images are not counted:
//     the firmware limits name a number of manifests only.
type Account struct {
	root
	id              AccountID
	maxActive       int
	maxManifests    int
	maxPayloadBytes int64
	reservations    map[CampaignID]time.Time
	manifests       map[ManifestID]time.Time
	updatedAt       time.Time
}

// LoadAccount rebuilds an account from its stream's events. An empty
// history gives an account without limits (rule 1).
func LoadAccount(history []Event) (*Account, error) {
	a := &Account{}
	if err := a.load(a.apply, history); err != nil {
		return nil, fmt.Errorf("domain.LoadAccount: %w", err)
	}
	return a, nil
}

// SetCampaignLimits sets the account's limit of active campaigns; 0 means
// unlimited (rule 1).
func (a *Account) SetCampaignLimits(account AccountID, maxActiveCampaigns int, now time.Time) error {
	const op = "account.SetCampaignLimits"
	if err := errors.Join(a.belongs(account), limit("max_active_campaigns", int64(maxActiveCampaigns))); err != nil {
		return wrap(op, err)
	}
	if a.id == account && a.maxActive == maxActiveCampaigns {
		return nil
	}
	return wrap(op, a.record(AccountCampaignLimitsSet{AccountID: account, MaxActiveCampaigns: maxActiveCampaigns, At: now}))
}

// SetFirmwareLimits sets the account's limits on manifests and on the size
// of each payload; 0 means unlimited (rules 1 and 4).
func (a *Account) SetFirmwareLimits(account AccountID, maxManifests int, maxPayloadBytes int64, now time.Time) error {
	const op = "account.SetFirmwareLimits"
	err := errors.Join(a.belongs(account), limit("max_manifests", int64(maxManifests)), limit("max_payload_bytes", maxPayloadBytes))
	if err != nil {
		return wrap(op, err)
	}
	if a.id == account && a.maxManifests == maxManifests && a.maxPayloadBytes == maxPayloadBytes {
		return nil
	}
	return wrap(op, a.record(AccountFirmwareLimitsSet{AccountID: account, MaxManifests: maxManifests, MaxPayloadBytes: maxPayloadBytes, At: now}))
}

// ReserveQuota takes an active-campaign slot for a starting campaign
// (rule 2).
func (a *Account) ReserveQuota(campaign CampaignID, now time.Time) error {
	const op = "account.ReserveQuota"
	if err := campaign.Validate(); err != nil {
		return wrap(op, err)
	}
	if _, held := a.reservations[campaign]; held {
		return nil
	}
	if a.maxActive > 0 && len(a.reservations) >= a.maxActive {
		return wrap(op, LimitExceededError{Limit: "max_active_campaigns", Max: a.maxActive})
	}
	return wrap(op, a.record(AccountQuotaReserved{CampaignID: campaign, At: now}))
}

// ReleaseQuota gives a stopped campaign's slot back (rule 3).
func (a *Account) ReleaseQuota(campaign CampaignID, now time.Time) error {
	const op = "account.ReleaseQuota"
	if err := campaign.Validate(); err != nil {
		return wrap(op, err)
	}
	if _, held := a.reservations[campaign]; !held {
		return nil
	}
	return wrap(op, a.record(AccountQuotaReleased{CampaignID: campaign, At: now}))
}

// CountManifest counts a manifest into (delta +1) or out of (delta -1) the
// account's firmware catalog (rule 4); payloadSize is its payload's size in
// bytes, checked against the payload limit when counting in.
func (a *Account) CountManifest(manifest ManifestID, delta int, payloadSize int64, now time.Time) error {
	const op = "account.CountManifest"
	if err := errors.Join(manifest.Validate(), countDelta(delta), limit("payload_size", payloadSize)); err != nil {
		return wrap(op, err)
	}
	if _, counted := a.manifests[manifest]; counted == (delta > 0) {
		return nil
	}
	if delta > 0 && a.maxManifests > 0 && len(a.manifests) >= a.maxManifests {
		return wrap(op, LimitExceededError{Limit: "max_manifests", Max: a.maxManifests})
	}
	if delta > 0 && a.maxPayloadBytes > 0 && payloadSize > a.maxPayloadBytes {
		return wrap(op, LimitExceededError{Limit: "max_payload_bytes", Max: int(a.maxPayloadBytes)})
	}
	return wrap(op, a.record(AccountManifestCounted{ManifestID: manifest, Delta: delta, At: now}))
}

// AdmitImage checks an image of size bytes against the firmware limits
// (rule 5). It records nothing: an image changes no account state.
func (a *Account) AdmitImage(size int64) error {
	const op = "account.AdmitImage"
	if err := limit("datafile_size", size); err != nil {
		return wrap(op, err)
	}
	if a.maxPayloadBytes > 0 && size > a.maxPayloadBytes {
		return wrap(op, LimitExceededError{Limit: "max_payload_bytes", Max: int(a.maxPayloadBytes)})
	}
	return nil
}

// belongs refuses an account id that is invalid or not the stream's.
func (a *Account) belongs(account AccountID) error {
	if err := account.Validate(); err != nil {
		return err
	}
	if a.id != "" && a.id != account {
		return InvalidError{Field: "account_id", Reason: fmt.Sprintf("the stream holds account %s, not %s", a.id, account)}
	}
	return nil
}

// limit refuses a negative limit or size.
func limit(field string, n int64) error {
	if n < 0 {
		return InvalidError{Field: field, Reason: fmt.Sprintf("%d is negative", n)}
	}
	return nil
}

// countDelta refuses a manifest count change other than +1 or -1.
func countDelta(delta int) error {
	if delta != 1 && delta != -1 {
		return InvalidError{Field: "delta", Reason: fmt.Sprintf("%d is neither +1 nor -1", delta)}
	}
	return nil
}

// record applies e and keeps it for appending.
func (a *Account) record(e Event) error { return a.recordWith(a.apply, e) }

// apply changes the account's state by one recorded event.
func (a *Account) apply(e Event) error {
	switch e := e.(type) {
	case AccountCampaignLimitsSet:
		a.id, a.maxActive, a.updatedAt = e.AccountID, e.MaxActiveCampaigns, e.At
	case AccountFirmwareLimitsSet:
		a.id, a.maxManifests, a.maxPayloadBytes, a.updatedAt = e.AccountID, e.MaxManifests, e.MaxPayloadBytes, e.At
	case AccountQuotaReserved:
		a.reservations = mapWith(a.reservations, e.CampaignID, e.At)
		a.updatedAt = e.At
	case AccountQuotaReleased:
		delete(a.reservations, e.CampaignID)
		a.updatedAt = e.At
	case AccountManifestCounted:
		if err := countDelta(e.Delta); err != nil {
			return fmt.Errorf("account: AccountManifestCounted: %w", err)
		}
		if e.Delta > 0 {
			a.manifests = mapWith(a.manifests, e.ManifestID, e.At)
		} else {
			delete(a.manifests, e.ManifestID)
		}
		a.updatedAt = e.At
	default:
		return unknownEvent("account", e)
	}
	return nil
}

// mapWith sets m[k] = v, making m first if it is nil.
func mapWith[K comparable, V any](m map[K]V, k K, v V) map[K]V {
	if m == nil {
		m = map[K]V{}
	}
	m[k] = v
	return m
}

// ID returns the account's id, or "" before its first limit was set.
func (a *Account) ID() AccountID { return a.id }

// MaxActiveCampaigns returns the limit of active campaigns; 0 is unlimited.
func (a *Account) MaxActiveCampaigns() int { return a.maxActive }

// MaxManifests returns the limit of manifests; 0 is unlimited.
func (a *Account) MaxManifests() int { return a.maxManifests }

// MaxPayloadBytes returns the limit of each payload's size; 0 is unlimited.
func (a *Account) MaxPayloadBytes() int64 { return a.maxPayloadBytes }

// ActiveCampaigns returns the campaigns holding a slot, sorted.
func (a *Account) ActiveCampaigns() []CampaignID {
	return slices.Sorted(maps.Keys(a.reservations))
}

// HoldsQuota reports whether campaign holds one of the account's slots.
func (a *Account) HoldsQuota(campaign CampaignID) bool { _, ok := a.reservations[campaign]; return ok }

// Manifests returns how many manifests are counted in the catalog.
func (a *Account) Manifests() int { return len(a.manifests) }

// Counts reports whether manifest is counted in the catalog.
func (a *Account) Counts(manifest ManifestID) bool { _, ok := a.manifests[manifest]; return ok }

// UpdatedAt returns when the account last changed, or the zero time.
func (a *Account) UpdatedAt() time.Time { return a.updatedAt }
