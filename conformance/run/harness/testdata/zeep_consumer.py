"""A well-behaved RIV-TA consumer written with zeep, for the harness tests.

Usage: zeep_consumer.py WSDL URL CERT KEY CA TIMEOUT (WSDL: a file or an https:// URL, fetched with the same mutual TLS)
Reads one line per request from stdin ("call"), sends GetVisits with the
LogicalAddress header through zeep (mutual TLS, own CA, no proxy or
environment settings), never retries, and prints one line per outcome:
"ok N visits", "fault <faultstring>", "error <kind>".
"""
import sys

import requests
import zeep
from zeep.transports import Transport


def main():
    wsdl, url, cert, key, ca, timeout = sys.argv[1:7]
    session = requests.Session()
    session.trust_env = False  # this machine sets CA bundle variables
    session.verify = ca
    session.cert = (cert, key)
    transport = Transport(session=session, timeout=float(timeout), operation_timeout=float(timeout))
    client = zeep.Client(wsdl, transport=transport)
    service = client.create_service(
        "{urn:riv:demo:clinic:GetVisits:1:rivtabp21}GetVisitsResponderBinding", url)
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "call":
            continue
        try:
            resp = service.GetVisits(
                patientId={"id": "191212121212", "type": "1.2.752.129.2.1.3.1"},
                careUnitHSAId="SE2321000016-UNIT1",
                _soapheaders={"LogicalAddress": "SE2321000016-CLIN"},
            )
            print("ok %d visits" % len(resp.visit or []), flush=True)
        except zeep.exceptions.Fault as f:
            print("fault %s" % f.message, flush=True)
        except Exception as e:  # a consumer that copes: report and carry on
            print("error %s: %s" % (type(e).__name__, str(e)[:200].replace("\n", " ")), flush=True)


if __name__ == "__main__":
    main()
