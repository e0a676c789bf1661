package plugin

// The generated code in pb/ is committed. To regenerate after editing
// pb/provider.proto, put protoc-gen-go and protoc-gen-go-grpc on PATH
// (go install google.golang.org/protobuf/cmd/protoc-gen-go and
// google.golang.org/grpc/cmd/protoc-gen-go-grpc) and run `go generate ./plugin`.

//go:generate protoc --proto_path=pb --go_out=pb --go_opt=paths=source_relative --go-grpc_out=pb --go-grpc_opt=paths=source_relative provider.proto
