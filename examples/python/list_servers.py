#!/usr/bin/env python3
"""List servers from an oaktree daemon, from every cloud-region or a selection of them.

Every server is printed with its location (cloud, region, zone, project), then one status per
location asked: a federated call succeeds even when some locations fail, so the statuses are
the only way to know whether the listing is complete.

    ./generate.sh                       # once: writes the gRPC modules to ./gen
    python list_servers.py --region 'us-*' [--cloud GLOB] [--stream] [--json]

--json prints one document for scripts and tests:
    {"servers": [{"id", "name", "status", "location": {"cloud", "region", "zone", "project"}}],
     "statuses": [{"cloud", "region", "kind", "message", "item_count"}]}

Exit status: 0 when the call succeeded (failed locations are listed, not fatal); 1 when the
call failed (the gRPC code and details are printed to stderr); 2 for bad arguments.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="List servers from an oaktree daemon with their locations and the "
        "per-location statuses.",
        epilog="Exit status: 0 when the call succeeded (even if some locations failed; see "
        "the statuses), 1 when the call failed, 2 for bad arguments.",
    )
    parser.add_argument(
        "--addr",
        default=os.environ.get("OAKTREE_ADDR", "127.0.0.1:50051"),
        help="daemon address host:port (env OAKTREE_ADDR; default %(default)s)",
    )
    parser.add_argument(
        "--cloud", action="append", default=[], metavar="GLOB",
        help="only clouds matching this glob (repeatable)",
    )
    parser.add_argument(
        "--region", action="append", default=[], metavar="GLOB",
        help="only regions matching this glob (repeatable)",
    )
    parser.add_argument(
        "--stream", action="store_true",
        help="use StreamServers: print each location's servers as soon as it answers",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--timeout", type=float, default=30.0, metavar="SECONDS",
        help="the call's deadline (default %(default)s)",
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
    from oaktree.v1 import location_pb2, query_pb2, services_pb2_grpc

    return location_pb2, query_pb2, services_pb2_grpc


def kind_name(location_pb2, kind):
    """STATUS_KIND_TIMEOUT -> TIMEOUT."""
    try:
        name = location_pb2.StatusKind.Name(kind)
    except ValueError:
        return f"KIND_{kind}"
    return name.removeprefix("STATUS_KIND_")


def server_doc(server):
    loc = server.location
    return {
        "id": server.id,
        "name": server.name,
        "status": server.status,
        "location": {
            "cloud": loc.cloud,
            "region": loc.region,
            "zone": loc.zone,
            "project": {
                "id": loc.project.id,
                "name": loc.project.name,
                "domain_id": loc.project.domain_id,
                "domain_name": loc.project.domain_name,
            },
        },
    }


def status_doc(location_pb2, status):
    return {
        "cloud": status.location.cloud,
        "region": status.location.region,
        "kind": kind_name(location_pb2, status.kind),
        "message": status.message,
        "item_count": status.item_count,
    }


ROW = "{:<10} {:<14} {:<10} {:<12} {:<38} {:<20} {}"


def print_server(doc):
    loc = doc["location"]
    project = loc["project"]["name"] or loc["project"]["id"]
    print(ROW.format(loc["cloud"], loc["region"], loc["zone"], project,
                     doc["id"], doc["name"], doc["status"]), flush=True)


def print_statuses(statuses, server_count):
    print()
    for s in statuses:
        where = f"{s['cloud']}/{s['region']}" if s["region"] else s["cloud"]
        if s["kind"] == "OK":
            print(f"{where:<24} OK  {s['item_count']} servers")
        else:
            print(f"{where:<24} {s['kind']}  {s['message']}")
    failed = sum(1 for s in statuses if s["kind"] != "OK")
    print(f"{server_count} servers from {len(statuses) - failed} locations; "
          f"{failed} locations failed")


def main(argv):
    args = parse_args(argv)
    location_pb2, query_pb2, services_pb2_grpc = import_generated(args.gen)
    import grpc

    addr = args.addr.removeprefix("http://")
    request = query_pb2.ListRequest(
        selector=location_pb2.LocationSelector(clouds=args.cloud, regions=args.region)
    )
    servers, statuses = [], []

    def show(doc):
        # Rows are printed as they arrive (fixed widths, so streaming needs no buffering);
        # the header waits for the call to succeed.
        if args.json:
            return
        if not show.header_printed:
            print(ROW.format("CLOUD", "REGION", "ZONE", "PROJECT", "ID", "NAME", "STATUS"))
            show.header_printed = True
        print_server(doc)

    show.header_printed = False
    try:
        with grpc.insecure_channel(addr) as channel:
            stub = services_pb2_grpc.CloudServiceStub(channel)
            if args.stream:
                for event in stub.StreamServers(request, timeout=args.timeout):
                    which = event.WhichOneof("event")
                    if which == "server":
                        servers.append(server_doc(event.server))
                        show(servers[-1])
                    elif which == "status":
                        statuses.append(status_doc(location_pb2, event.status))
            else:
                response = stub.ListServers(request, timeout=args.timeout)
                servers = [server_doc(s) for s in response.servers]
                statuses = [status_doc(location_pb2, s) for s in response.statuses]
                for doc in servers:
                    show(doc)
    except grpc.RpcError as error:
        print(f"error: {error.code().name}: {error.details()}", file=sys.stderr)
        return 1

    if args.json:
        json.dump({"servers": servers, "statuses": statuses}, sys.stdout, indent=2)
        print()
    else:
        print_statuses(statuses, len(servers))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:
        # The reader stopped early (`| head`); not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
