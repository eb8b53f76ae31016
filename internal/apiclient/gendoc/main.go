// Command gendoc writes the OpenAPI document the service serves at
// /openapi.json to the file named by its argument, for go generate.
package main

import (
	"fmt"
	"os"

	httpapi "github.com/updateservice/updateservice/adapters/http"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: gendoc FILE")
	}
	doc, err := httpapi.OpenAPI()
	if err != nil {
		return err
	}
	return os.WriteFile(args[0], doc, 0o644)
}
