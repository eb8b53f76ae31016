package domain

import (
	"encoding/base64"
	"strings"
)

// AsyncID names the device connector request that sends campaign's
// manifest to device of account: "<account id in unpadded base64url>.
// <campaign id>.<device id in unpadded base64url>". The connector echoes
// it in its async response, which is all the webhook gets, so it carries
// every id: the webhook refuses an answer whose account is not the one
// its credential belongs to, so one account's connector can never move
// another account's devices. Account and device ids are encoded because
// they may hold dots (and the device id other characters that the
// connector's query parameter would not keep); the base64url alphabet has
// no dot, so the first and the last dot delimit the campaign id, dots of
// its own included.
func AsyncID(account AccountID, campaign CampaignID, device DeviceID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(account)) + "." + string(campaign) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(device))
}

// ParseAsyncID reads the ids back from an AsyncID; ok is false for a
// string that AsyncID did not make (another application's request, or an
// id of the service's releases before accounts were in it). Only AsyncID's
// own spelling is accepted: Go's decoder, strict or not, also takes line
// breaks, which would give one manifest write several async ids and let a
// line break into the recorded reports.
func ParseAsyncID(s string) (account AccountID, campaign CampaignID, device DeviceID, ok bool) {
	first, last := strings.IndexByte(s, '.'), strings.LastIndexByte(s, '.')
	if first < 0 || first == last {
		return "", "", "", false
	}
	rawAccount, aerr := base64.RawURLEncoding.Strict().DecodeString(s[:first])
	rawDevice, derr := base64.RawURLEncoding.Strict().DecodeString(s[last+1:])
	if aerr != nil || derr != nil {
		return "", "", "", false
	}
	account, campaign, device = AccountID(rawAccount), CampaignID(s[first+1:last]), DeviceID(rawDevice)
	if account.Validate() != nil || campaign.Validate() != nil || device.Validate() != nil ||
		AsyncID(account, campaign, device) != s {
		return "", "", "", false
	}
	return account, campaign, device, true
}
