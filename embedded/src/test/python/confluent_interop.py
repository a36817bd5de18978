#!/usr/bin/env python3
"""An independent Confluent client for alignstream's interoperability test.

Drives Debian's python3-confluent-kafka through its legacy ``confluent_kafka.avro`` API
(AvroProducer, AvroConsumer, CachedSchemaRegistryClient) against alignstream's embedded
broker and Schema Registry. The Java test (ConfluentPythonInteropTest) decides what is sent
and checks what comes back; this script only speaks Confluent's protocol the way Confluent's
own client does.

  produce: read records (JSON Lines, eventTime in epoch millis) and send them with
           AvroProducer (Avro string key = imageId, value schema from a .avsc file).
  consume: read N records with AvroConsumer and write them as JSON Lines.
  lookup:  fetch a schema by id with CachedSchemaRegistryClient and print it as JSON.
"""
import argparse
import datetime
import json
import sys
import time

from confluent_kafka import KafkaError
from confluent_kafka import avro as confluent_avro
from confluent_kafka.avro import AvroConsumer, AvroProducer, CachedSchemaRegistryClient

UTC = datetime.timezone.utc


def millis_to_datetime(millis):
    return datetime.datetime.fromtimestamp(millis / 1000.0, tz=UTC)


def datetime_to_millis(value):
    return int(round(value.timestamp() * 1000))


def produce(args):
    producer = AvroProducer(
        {"bootstrap.servers": args.bootstrap, "schema.registry.url": args.registry},
        default_key_schema=confluent_avro.loads('"string"'),
        default_value_schema=confluent_avro.load(args.value_schema),
    )
    sent = 0
    with open(args.records, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            record["eventTime"] = millis_to_datetime(record["eventTime"])
            producer.produce(topic=args.topic, key=record["imageId"], value=record)
            sent += 1
    left = producer.flush(args.timeout)
    if left:
        sys.exit("produce: %d records still unsent after %ss" % (left, args.timeout))
    print(json.dumps({"produced": sent}))


def consume(args):
    consumer = AvroConsumer({
        "bootstrap.servers": args.bootstrap,
        "schema.registry.url": args.registry,
        "group.id": "alignstream-python-interop",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([args.topic])
    received = []
    deadline = time.monotonic() + args.timeout
    try:
        while len(received) < args.count and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is None:
                continue
            if message.error():
                if message.error().code() == KafkaError._PARTITION_EOF:
                    continue
                sys.exit("consume: %s" % message.error())
            value = dict(message.value())
            value["eventTime"] = datetime_to_millis(value["eventTime"])
            received.append({"key": message.key(), "value": value})
    finally:
        consumer.close()
    with open(args.output, "w", encoding="utf-8") as out:
        for record in received:
            out.write(json.dumps(record, sort_keys=True) + "\n")
    if len(received) < args.count:
        sys.exit("consume: got %d of %d records in %ss" % (len(received), args.count, args.timeout))
    print(json.dumps({"consumed": len(received)}))


def lookup(args):
    client = CachedSchemaRegistryClient({"url": args.registry})
    schema = client.get_by_id(args.id)
    if schema is None:
        sys.exit("lookup: the registry has no schema with id %d" % args.id)
    print(json.dumps({"id": args.id, "fullname": schema.fullname,
                      "fields": [field.name for field in schema.fields]}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--registry", required=True)
    parser.add_argument("--timeout", type=float, default=60.0)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("produce")
    p.add_argument("--topic", required=True)
    p.add_argument("--value-schema", required=True, help=".avsc file of the value schema")
    p.add_argument("--records", required=True, help="JSON Lines file of records to send")
    p.set_defaults(run=produce)

    c = commands.add_parser("consume")
    c.add_argument("--topic", required=True)
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--output", required=True, help="JSON Lines file to write")
    c.set_defaults(run=consume)

    l = commands.add_parser("lookup")
    l.add_argument("--id", type=int, required=True)
    l.set_defaults(run=lookup)

    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
