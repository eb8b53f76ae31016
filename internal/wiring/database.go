package wiring

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Database is where the read models (and, on the embedded default, the
// events) live, as the service's environment gives it.
type Database struct {
	// URL is the Postgres URL (DB_URL, else DATABASE_URL); required.
	URL string
	// User and Password override the URL's (DB_USER, DB_PASSWORD), so that
	// a secret store can hand them over apart from the URL.
	User, Password string
}

// LoadDatabase reads DB_URL (or DATABASE_URL), DB_USER and DB_PASSWORD.
// Validate says what is wrong with them.
func LoadDatabase(getenv func(string) string) Database {
	u := getenv("DB_URL")
	if u == "" {
		u = getenv("DATABASE_URL")
	}
	return Database{URL: u, User: getenv("DB_USER"), Password: getenv("DB_PASSWORD")}
}

// Validate reports a missing URL or one that is not a postgres:// URL.
func (d Database) Validate() error {
	if d.URL == "" {
		return errors.New("DB_URL (or DATABASE_URL) is not set: give the Postgres URL, e.g. postgres://user@localhost:5432/updates, or use `make run`, which starts a local server")
	}
	if u, err := url.Parse(d.URL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return fmt.Errorf("DB_URL=%q: not a postgres:// URL", MaskURL(d.URL))
	}
	return nil
}

// ConnString returns the URL with User and Password applied.
func (d Database) ConnString() string {
	if d.User == "" && d.Password == "" {
		return d.URL
	}
	u, err := url.Parse(d.URL)
	if err != nil {
		return d.URL
	}
	user := d.User
	if user == "" && u.User != nil {
		user = u.User.Username()
	}
	if d.Password != "" {
		u.User = url.UserPassword(user, d.Password)
	} else {
		u.User = url.User(user)
	}
	return u.String()
}

// MaskURL hides a URL's password, for printing a configuration.
func MaskURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return strings.Replace(u.String(), "xxxxx", "*****", 1)
}

// KafkaBrokers splits KAFKA_HOST, bootstrap servers separated by commas.
func KafkaBrokers(kafkaHost string) []string {
	var brokers []string
	for _, b := range strings.Split(kafkaHost, ",") {
		if b = strings.TrimSpace(b); b != "" {
			brokers = append(brokers, b)
		}
	}
	return brokers
}
