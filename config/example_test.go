package config

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/viper"
)

// configKeys lists the keys Load reads into a value of type t (mapstructure
// tags, sections joined by "."). A list of sections (plugins.external) is one
// key; its items' keys are returned apart, under the list's key.
func configKeys(prefix string, t reflect.Type) (keys []string, items map[string][]string) {
	items = map[string][]string{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		key := prefix + tag
		switch {
		case f.Type.Kind() == reflect.Struct && f.Type.PkgPath() == t.PkgPath():
			sub, subItems := configKeys(key+".", f.Type)
			keys = append(keys, sub...)
			for k, v := range subItems {
				items[k] = v
			}
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
			keys = append(keys, key)
			itemKeys, _ := configKeys("", f.Type.Elem())
			items[key] = itemKeys
		default:
			keys = append(keys, key)
		}
	}
	return keys, items
}

// example.yaml shows every key the gateway reads, and no other; the
// environment binds every key but the file-only lists; the items of a list
// (plugins.external) are shown in its commented example.
func TestExampleListsEveryKey(t *testing.T) {
	code, items := configKeys("", reflect.TypeFor[Config]())
	slices.Sort(code)

	b, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(strings.NewReader(string(b))); err != nil {
		t.Fatal(err)
	}
	example := v.AllKeys()
	slices.Sort(example)
	for _, k := range code {
		if !slices.Contains(example, k) {
			t.Errorf("example.yaml lacks %s", k)
		}
	}
	for _, k := range example {
		if !slices.Contains(code, k) {
			t.Errorf("example.yaml has %s, which the code does not read", k)
		}
	}

	var env []string
	for k := range defaults {
		env = append(env, k)
	}
	slices.Sort(env)
	var scalar []string
	for _, k := range code {
		if _, list := items[k]; !list {
			scalar = append(scalar, k)
		}
	}
	if !slices.Equal(env, scalar) {
		t.Errorf("keys bound to the environment %v, want every key but the lists: %v", env, scalar)
	}

	for list, keys := range items {
		section := list[strings.LastIndex(list, ".")+1:]
		if !strings.Contains(string(b), "#   "+section+":") {
			t.Errorf("example.yaml has no commented example of %s", list)
		}
		for _, k := range keys {
			if !strings.Contains(string(b), "#       "+k+": ") && !strings.Contains(string(b), "#     - "+k+": ") &&
				!strings.Contains(string(b), "#       "+k+":\n") { // a map, its entries below

				t.Errorf("example.yaml's example of %s lacks %s", list, k)
			}
		}
	}
}
