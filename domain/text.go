package domain

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Text rules: every string that enters the service and is kept (names,
// descriptions, classes, URLs, reasons, the connector's error texts) is
// checked where its value is made, because a string the read models
// cannot store would stop them for good once its event is recorded:
//
//  1. It is valid UTF-8.
//  2. It holds no NUL (PostgreSQL text cannot) and no other control
//     character; free text (descriptions, reasons) may hold tabs and line
//     breaks.
//  3. It is at most its field's length, in characters.

// The kinds of text a field holds.
const (
	oneLine  = false
	freeText = true
)

// textProblem checks s by the text rules; nil when it passes.
func textProblem(field, s string, max int, free bool) error {
	if !utf8.ValidString(s) {
		return InvalidError{Field: field, Reason: "is not valid UTF-8"}
	}
	for _, r := range s {
		if r == 0 {
			return InvalidError{Field: field, Reason: "must not contain NUL (\\u0000)"}
		}
		layout := r == '\t' || r == '\n' || r == '\r'
		if unicode.IsControl(r) && (!free || !layout) {
			return InvalidError{Field: field, Reason: fmt.Sprintf("must not contain the control character %U", r)}
		}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return InvalidError{Field: field, Reason: fmt.Sprintf("must be at most %d characters, is %d", max, n)}
	}
	return nil
}

// CheckText checks a string an adapter uses before a command sees it (a
// name looked up in a read model, say) by the text rules: at most max
// characters; free text may hold tabs and line breaks.
func CheckText(field, s string, max int, free bool) error { return textProblem(field, s, max, free) }

// textProblems checks several fields, keeping the problems found.
func textProblems(checks ...error) []error {
	var problems []error
	for _, err := range checks {
		if err != nil {
			problems = append(problems, err)
		}
	}
	return problems
}
