# Sourced by interop/run.sh and bench/compare.sh (not run on its own): makes
# the Python side they share, from the workspace root.
#   $venv: a virtual environment in target/interop-venv with grpcio and
#          grpcio-tools, as the note's readers install them, and
#          grpcio-status (the richer error model, for topics/errors);
#   $gen:  target/interop-py, holding hello_pb2.py and hello_pb2_grpc.py
#          generated from proto/hello.proto, beside copies of interop/*.py
#          and interop/topics/*.py.
venv="$PWD/target/interop-venv"
gen="$PWD/target/interop-py"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check grpcio grpcio-tools grpcio-status
mkdir -p "$gen"
"$venv/bin/python" -m grpc_tools.protoc -Iproto --python_out="$gen" --grpc_python_out="$gen" proto/hello.proto
find interop -name "*.py" -exec cp {} "$gen"/ \;
