"""The test push service (tests/push_service.py) in its own process, for the fan-out benchmark.

    python -m bench.push_server KEY COUNT
prints one JSON line with COUNT subscriptions, then answers "stats" with one JSON line
(delivered, rejected, first rejection reasons) and stops on "stop" or end of input.
"""
import json
import sys


def main() -> None:
    from tests.push_service import PushService
    key, count = sys.argv[1], int(sys.argv[2])
    service = PushService(application_server_key=key).start()
    print(json.dumps([service.new_subscription() for _ in range(count)]), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "stats":
            print(json.dumps([len(service.received), len(service.rejections),
                              [r.reason for r in service.rejections[:3]]]), flush=True)
        elif command == "stop":
            break
    service.stop()


if __name__ == "__main__":
    main()
