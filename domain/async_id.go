package domain

import (
	"encoding/base64"
	"strings"
)

// AsyncID names the device connector request that sends campaign's
// manifest to device: "<campaign id>.<device id in unpadded base64url>".
// The connector echoes it in its async response, which is all the webhook
// gets, so it carries both ids; the account comes from the webhook's API
// key. The device id is encoded because device ids may hold dots and other
// characters that the connector's query parameter would not keep.
func AsyncID(campaign CampaignID, device DeviceID) string {
	return string(campaign) + "." + base64.RawURLEncoding.EncodeToString([]byte(device))
}

// ParseAsyncID reads the ids back from an AsyncID; ok is false for a
// string that AsyncID did not make. The base64url alphabet has no dot, so
// the last dot separates the two parts even when the campaign id has dots.
func ParseAsyncID(s string) (campaign CampaignID, device DeviceID, ok bool) {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return "", "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(s[i+1:])
	if err != nil {
		return "", "", false
	}
	campaign, device = CampaignID(s[:i]), DeviceID(raw)
	if campaign.Validate() != nil || device.Validate() != nil {
		return "", "", false
	}
	return campaign, device, true
}
