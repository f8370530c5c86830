"""A RIV-TA consumer written with zeep, run by a `conform init` suite's trigger.

Usage: zeep_init_consumer.py WSDL_PATH OPERATION REQUEST CERT KEY CA LOG VARIANT [ARG]
Fetches the WSDL from the harness ($RIVGATE_URL + WSDL_PATH + "?wsdl") over
mutual TLS (own CA, no environment settings), reads the operation's
arguments from REQUEST (the suite's sample request, parsed by zeep against
the contract), makes one call and appends what it saw to LOG as a JSON
line {"scenario", "step", "outcome"}. VARIANT makes it misbehave:
  good        the receiver from REQUEST, the request as zeep builds it
  whitespace  the receiver with surrounding whitespace
  unknown     a receiver the platform does not know (ARG)
  missing     without the element ARG, in the Body or the Header (posted
              with zeep's transport, since zeep itself refuses to leave out a
              required element)
  storm       three more calls at once after the first answer
When $RIVGATE_SERVICE_URL_FILE names a file that exists, the service is
called at the URL it holds (a gateway in front of the harness) instead of
$RIVGATE_URL; the WSDL still comes from the harness.
Exits 0 whatever the answer: handling a fault is the consumer's job.
"""
import json
import os
import sys

import requests
import zeep
from lxml import etree
from zeep.transports import Transport

LOGICAL_ADDRESS = "{urn:riv:itintegration:registry:1}LogicalAddress"


def main():
    wsdl_path, op_name, request, cert, key, ca, log, variant = sys.argv[1:9]
    arg = sys.argv[9] if len(sys.argv) > 9 else ""
    url = os.environ["RIVGATE_URL"]
    service_url = url
    via = os.environ.get("RIVGATE_SERVICE_URL_FILE", "")
    if via and os.path.exists(via):
        with open(via) as f:
            service_url = f.read().strip()
    session = requests.Session()
    session.trust_env = False  # this machine sets CA bundle variables
    session.verify = ca
    session.cert = (cert, key)
    transport = Transport(session=session, timeout=10, operation_timeout=10)
    client = zeep.Client(url + wsdl_path + "?wsdl", transport=transport)
    binding = next(b for b in client.wsdl.bindings.values() if op_name in b._operations)
    service = client.create_service(binding.name.text, service_url)
    operation = binding._operations[op_name]

    # The sample request's Body element and header elements, read by zeep.
    doc = etree.parse(request)
    body = doc.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")[0]
    value = client.get_element(body.tag).parse(body, client.wsdl.types)
    kwargs = {name: value[name] for name in value}
    headers = {}
    for node in doc.find("{http://schemas.xmlsoap.org/soap/envelope/}Header"):
        name = etree.QName(node).localname
        if node.tag == LOGICAL_ADDRESS:
            headers[name] = node.text
        else:
            headers[name] = client.get_element(node.tag).parse(node, client.wsdl.types)
    if variant == "whitespace":
        headers["LogicalAddress"] = " " + headers["LogicalAddress"] + " "
    elif variant == "unknown":
        headers["LogicalAddress"] = arg

    def call():
        try:
            if variant == "missing":
                envelope = client.create_message(service, op_name, _soapheaders=headers, **kwargs)
                for node in envelope.iter("{*}" + arg):
                    node.getparent().remove(node)
                reply = transport.post_xml(service_url, envelope, {"SOAPAction": '"%s"' % operation.soapaction,
                                                           "Content-Type": "text/xml; charset=utf-8"})
                binding.process_reply(client, operation, reply)
                return "ok"
            getattr(service, op_name)(_soapheaders=headers, **kwargs)
            return "ok"
        except zeep.exceptions.Fault as f:
            return "fault %s" % f.message
        except Exception as e:  # a consumer that copes: report and carry on
            return "error %s: %s" % (type(e).__name__, str(e)[:200].replace("\n", " "))

    outcomes = [call()]
    if variant == "storm":
        outcomes += [call() for _ in range(3)]
    with open(log, "a") as f:
        for o in outcomes:
            f.write(json.dumps({"scenario": os.environ.get("RIVGATE_SCENARIO"), "step": os.environ.get("RIVGATE_STEP"),
                                "outcome": o}) + "\n")


if __name__ == "__main__":
    main()
