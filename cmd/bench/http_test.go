package main

import (
	"bufio"
	"strings"
	"testing"
)

func TestReadResponseReadsStatusAndSkipsTheBody(t *testing.T) {
	two := "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"id\":\"d1\"}" +
		"HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\n{}"
	c := &keepAliveClient{r: bufio.NewReader(strings.NewReader(two))}
	for _, want := range []int{201, 404} {
		got, err := c.readResponse()
		if err != nil || got != want {
			t.Fatalf("readResponse() = %d, %v; want %d", got, err, want)
		}
	}
}

func TestReadResponseRefusesWhatItCannotFrame(t *testing.T) {
	for name, raw := range map[string]string{
		"no Content-Length":  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
		"bad Content-Length": "HTTP/1.1 200 OK\r\nContent-Length: two\r\n\r\n{}",
		"bad status line":    "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
		"short body":         "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}",
		"no status code":     "HTTP/1.1 \r\n\r\n",
	} {
		c := &keepAliveClient{r: bufio.NewReader(strings.NewReader(raw))}
		if got, err := c.readResponse(); err == nil {
			t.Errorf("%s: readResponse() = %d, nil; want an error", name, got)
		}
	}
}
