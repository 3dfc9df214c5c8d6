#!/usr/bin/env python3
"""List an oaktree daemon's long operations (server boots and deletes, image uploads) and
what its cleanup ledger still has to delete.

    ./generate.sh                       # once: writes the gRPC modules to ./gen
    python list_operations.py [--json]

--json prints one document for scripts and tests:
    {"operations": [{"id", "kind", "state", "error",
                     "locations": [{"cloud", "region", "phase", "kind", "message",
                                    "http_attempts"}]}],
     "cleanup": [{"cloud", "region", "kind", "id", "state", "attempts", "last_error"}]}

Exit status: 0 when the calls succeeded; 1 when one failed (the gRPC code and details are
printed to stderr); 2 for bad arguments.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--addr",
        default=os.environ.get("OAKTREE_ADDR", "127.0.0.1:50051"),
        help="daemon address host:port (env OAKTREE_ADDR; default %(default)s)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--timeout", type=float, default=30.0, metavar="SECONDS",
        help="each call's deadline (default %(default)s)",
    )
    parser.add_argument(
        "--gen",
        default=os.environ.get("OAKTREE_PY_GEN", os.path.join(HERE, "gen")),
        metavar="DIR",
        help="directory holding the generated oaktree/v1 modules (env OAKTREE_PY_GEN; "
        "default %(default)s)",
    )
    return parser.parse_args(argv)


def import_generated(gen_dir):
    """Imports the modules written by generate.sh from gen_dir."""
    if not os.path.isdir(os.path.join(gen_dir, "oaktree", "v1")):
        sys.exit(f"no generated modules in {gen_dir}; run {os.path.join(HERE, 'generate.sh')} first")
    sys.path.insert(0, os.path.abspath(gen_dir))
    from oaktree.v1 import location_pb2, operations_pb2, operations_pb2_grpc

    return location_pb2, operations_pb2, operations_pb2_grpc


def short(enum, value, prefix):
    """OPERATION_STATE_SUCCEEDED -> SUCCEEDED; unknown numbers as <n>."""
    try:
        return enum.Name(value).removeprefix(prefix)
    except ValueError:
        return str(value)


def operation_doc(location_pb2, operations_pb2, op):
    locations = []
    for progress in op.locations:
        status = progress.status if progress.HasField("status") else None
        locations.append({
            "cloud": progress.location.cloud,
            "region": progress.location.region,
            "phase": progress.phase,
            "kind": short(location_pb2.StatusKind, status.kind, "STATUS_KIND_") if status else "",
            "message": status.message if status and status.message else progress.message,
            "http_attempts": status.http_attempts if status else 0,
        })
    return {
        "id": op.id,
        "kind": op.kind,
        "state": short(operations_pb2.OperationState, op.state, "OPERATION_STATE_"),
        "error": op.error,
        "locations": locations,
    }


def cleanup_doc(entry):
    return {
        "cloud": entry.location.cloud,
        "region": entry.location.region,
        "kind": entry.kind,
        "id": entry.id,
        "state": entry.state,
        "attempts": entry.attempts,
        "last_error": entry.last_error,
    }


def main(argv):
    args = parse_args(argv)
    location_pb2, operations_pb2, operations_pb2_grpc = import_generated(args.gen)
    import grpc

    addr = args.addr.removeprefix("http://")
    try:
        with grpc.insecure_channel(addr) as channel:
            stub = operations_pb2_grpc.OperationServiceStub(channel)
            listed = stub.ListOperations(operations_pb2.ListOperationsRequest(), timeout=args.timeout)
            pending = stub.ListCleanup(operations_pb2.ListCleanupRequest(), timeout=args.timeout)
    except grpc.RpcError as error:
        print(f"error: {error.code().name}: {error.details()}", file=sys.stderr)
        return 1

    operations = [operation_doc(location_pb2, operations_pb2, op) for op in listed.operations]
    cleanup = [cleanup_doc(entry) for entry in pending.entries]
    if args.json:
        json.dump({"operations": operations, "cleanup": cleanup}, sys.stdout, indent=2)
        print()
        return 0
    for op in operations:
        print(f"{op['id']}  {op['kind']:<14} {op['state']:<10} {op['error']}")
        for loc in op["locations"]:
            where = f"{loc['cloud']}/{loc['region']}" if loc["region"] else loc["cloud"]
            print(f"    {where:<24} {loc['phase']:<12} {loc['kind']:<12} "
                  f"{loc['http_attempts']} HTTP attempts  {loc['message']}")
    print(f"{len(operations)} operations; {len(cleanup)} cleanups pending")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
