"""Build real-shaped, authorised NF-e documents (``nfeProc``, layout 4.00) for tests and the demo.

The documents follow the published layout (``leiauteNFe_v4.00.xsd`` and
``procNFe_v4.00.xsd``): ``infNFe`` with ``ide``, ``emit``, ``dest``, ``det/prod``,
``total/ICMSTot`` and a placeholder xmldsig ``Signature``, then ``protNFe/infProt``
with the authorisation. The access key is composed from ``ide`` and the emitter's
CNPJ with its mod-11 check digit, so :func:`hub.parse_nfe` accepts it; pass
``status`` other than 100 for an unauthorised one. The signature is not a real
one (the hub never verifies signatures: SEFAZ's ``protNFe`` is the proof).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from xml.sax.saxutils import escape

from hub.fiscal.nfe import check_digit

EMITTER_CNPJ = "11222333000181"


def access_key(issued_at: datetime, number: int, *, series: int = 1, cnpj: str = EMITTER_CNPJ,
               state: str = "35", code: int = 12345678, model: str = "55") -> str:
    """The 44-digit access key, check digit included."""
    first = (f"{state}{issued_at:%y%m}{cnpj.rjust(14, '0')}{model}{series:03d}{number:09d}1"
             f"{code:08d}")
    return first + str(check_digit(first))


def build_nfe(number: int, items: Sequence[tuple[str, str, Decimal | int, Decimal | str]], *,
              issued_at: datetime, series: int = 1, status: str = "100", shipping: Decimal = Decimal(0),
              cnpj: str = EMITTER_CNPJ, key: str | None = None, environment: str = "2") -> str:
    """An ``nfeProc`` for ``items`` (``(sku, name, quantity, unit price)``), as the ERP hands it over.

    ``key`` overrides the computed access key (to test a corrupted one).
    """
    real_key = access_key(issued_at, number, series=series, cnpj=cnpj)
    key = key or real_key
    dets, products = [], Decimal(0)
    for index, (sku, name, quantity, unit) in enumerate(items, start=1):
        qty, price = Decimal(quantity), Decimal(unit)
        total = (qty * price).quantize(Decimal("0.01"))
        products += total
        dets.append(
            f'<det nItem="{index}"><prod><cProd>{escape(sku)}</cProd><cEAN>SEM GTIN</cEAN>'
            f"<xProd>{escape(name)}</xProd><NCM>61091000</NCM><CFOP>5102</CFOP><uCom>UN</uCom>"
            f"<qCom>{qty:.4f}</qCom><vUnCom>{price:.10f}</vUnCom><vProd>{total:.2f}</vProd>"
            f"<cEANTrib>SEM GTIN</cEANTrib><uTrib>UN</uTrib><qTrib>{qty:.4f}</qTrib>"
            f"<vUnTrib>{price:.10f}</vUnTrib><indTot>1</indTot></prod>"
            "<imposto><ICMS><ICMSSN102><orig>0</orig><CSOSN>102</CSOSN></ICMSSN102></ICMS>"
            "<PIS><PISOutr><CST>99</CST><vBC>0.00</vBC><pPIS>0.0000</pPIS><vPIS>0.00</vPIS>"
            "</PISOutr></PIS><COFINS><COFINSOutr><CST>99</CST><vBC>0.00</vBC>"
            "<pCOFINS>0.0000</pCOFINS><vCOFINS>0.00</vCOFINS></COFINSOutr></COFINS></imposto></det>")
    total_nf = products + shipping
    when = issued_at.isoformat(timespec="seconds")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<nfeProc xmlns="http://www.portalfiscal.inf.br/nfe" versao="4.00">'
        f'<NFe xmlns="http://www.portalfiscal.inf.br/nfe"><infNFe Id="NFe{key}" versao="4.00">'
        f"<ide><cUF>{real_key[:2]}</cUF><cNF>{real_key[35:43]}</cNF><natOp>Venda de mercadoria</natOp>"
        f"<mod>55</mod><serie>{series}</serie><nNF>{number}</nNF><dhEmi>{when}</dhEmi>"
        f"<dhSaiEnt>{when}</dhSaiEnt><tpNF>1</tpNF><idDest>1</idDest><cMunFG>3550308</cMunFG>"
        f"<tpImp>1</tpImp><tpEmis>1</tpEmis><cDV>{real_key[43]}</cDV><tpAmb>{environment}</tpAmb>"
        "<finNFe>1</finNFe><indFinal>1</indFinal><indPres>2</indPres><procEmi>0</procEmi>"
        "<verProc>hub-test 1.0</verProc></ide>"
        f"<emit><CNPJ>{cnpj}</CNPJ><xNome>Loja Exemplo LTDA</xNome><enderEmit><xLgr>Rua Augusta"
        "</xLgr><nro>100</nro><xBairro>Consolacao</xBairro><cMun>3550308</cMun><xMun>Sao Paulo"
        "</xMun><UF>SP</UF><CEP>01305000</CEP><cPais>1058</cPais><xPais>BRASIL</xPais></enderEmit>"
        "<IE>111222333444</IE><CRT>1</CRT></emit>"
        "<dest><CPF>12345678909</CPF><xNome>Maria Silva</xNome><enderDest><xLgr>Rua das Flores"
        "</xLgr><nro>10</nro><xBairro>Centro</xBairro><cMun>3304557</cMun><xMun>Rio de Janeiro"
        "</xMun><UF>RJ</UF><CEP>20010000</CEP><cPais>1058</cPais><xPais>BRASIL</xPais></enderDest>"
        "<indIEDest>9</indIEDest></dest>"
        + "".join(dets) +
        f"<total><ICMSTot><vBC>0.00</vBC><vICMS>0.00</vICMS><vICMSDeson>0.00</vICMSDeson>"
        f"<vFCP>0.00</vFCP><vBCST>0.00</vBCST><vST>0.00</vST><vFCPST>0.00</vFCPST>"
        f"<vFCPSTRet>0.00</vFCPSTRet><vProd>{products:.2f}</vProd><vFrete>{shipping:.2f}</vFrete>"
        f"<vSeg>0.00</vSeg><vDesc>0.00</vDesc><vII>0.00</vII><vIPI>0.00</vIPI>"
        f"<vIPIDevol>0.00</vIPIDevol><vPIS>0.00</vPIS><vCOFINS>0.00</vCOFINS><vOutro>0.00</vOutro>"
        f"<vNF>{total_nf:.2f}</vNF></ICMSTot></total>"
        "<transp><modFrete>0</modFrete></transp>"
        f"<pag><detPag><tPag>03</tPag><vPag>{total_nf:.2f}</vPag></detPag></pag>"
        "</infNFe>"
        '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>'
        '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
        '<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>'
        f'<Reference URI="#NFe{key}"><DigestValue>AAAA</DigestValue></Reference></SignedInfo>'
        "<SignatureValue>AAAA</SignatureValue></Signature></NFe>"
        '<protNFe versao="4.00"><infProt>'
        f"<tpAmb>{environment}</tpAmb><verAplic>SP_NFE_PL009_V4</verAplic><chNFe>{key}</chNFe>"
        f"<dhRecbto>{when}</dhRecbto><nProt>135260000000001</nProt><digVal>AAAA</digVal>"
        f"<cStat>{status}</cStat><xMotivo>{'Autorizado o uso da NF-e' if status == '100' else 'Uso Denegado'}"
        "</xMotivo></infProt></protNFe></nfeProc>")
