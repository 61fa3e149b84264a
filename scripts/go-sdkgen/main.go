// featbit-go-sdkgen writes the Go SDK of the featbit package from its schema, offline: the code generator of Pulumi's
// pkg/v3 (codegen/go) called directly. `pulumi package gen-sdk --language go` would do the same through the Go
// language host's GeneratePackage, which no language host buildable from the Go module proxy implements (see
// docs/native.md). Built by `scripts/go-tools --print-path go-sdkgen`.
//
//	featbit-go-sdkgen <schema.json> <dir>   writes <dir>/go.mod and <dir>/featbit/*.go
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// noLoader: the featbit schema refers to no other package, so nothing is ever loaded.
type noLoader struct{}

func (noLoader) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errors.New("the featbit schema refers to no other package")
}

func (noLoader) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errors.New("the featbit schema refers to no other package")
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "featbit-go-sdkgen: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 3 {
		fail("usage: featbit-go-sdkgen <schema.json> <dir>")
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("%v", err)
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		fail("%s is not a package schema: %v", os.Args[1], err)
	}
	pkg, diags, err := schema.BindSpec(spec, noLoader{}, schema.ValidationOptions{})
	if err != nil {
		fail("%v", err)
	}
	if diags.HasErrors() {
		fail("%s: %v", os.Args[1], diags.Error())
	}
	files, err := gogen.GeneratePackage("featbit-go-sdkgen", pkg, nil)
	if err != nil {
		fail("%v", err)
	}
	for name, content := range files {
		path := filepath.Join(os.Args[2], name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			fail("%v", err)
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			fail("%v", err)
		}
	}
	// The module the import path names (language.go.importBasePath, less its last element), so that a program can
	// `replace` it with this directory.
	base := spec.Language["go"]
	var goInfo struct {
		ImportBasePath string `json:"importBasePath"`
	}
	if err := json.Unmarshal(base, &goInfo); err != nil || goInfo.ImportBasePath == "" {
		fail("the schema names no language.go.importBasePath")
	}
	module := goInfo.ImportBasePath[:strings.LastIndex(goInfo.ImportBasePath, "/")]
	gomod := fmt.Sprintf("module %s\n\ngo 1.26\n\nrequire github.com/pulumi/pulumi/sdk/v3 v3.274.1\n", module)
	if err := os.WriteFile(filepath.Join(os.Args[2], "go.mod"), []byte(gomod), 0o644); err != nil {
		fail("%v", err)
	}
	fmt.Println(filepath.Join(os.Args[2], filepath.Base(goInfo.ImportBasePath)))
}
