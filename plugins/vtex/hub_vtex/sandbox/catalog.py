"""The sandbox's catalogue answers, inventory balances and price documents."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from hub_vtex.sandbox.data import CATEGORIES, WAREHOUSES


def sku_context(sku: dict[str, Any], product: dict[str, Any], account: str) -> dict[str, Any]:
    """``GET /api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}``."""
    path = product["CategoryPath"]
    ids = [c for c in path.split("/") if c]
    return {
        "Id": sku["Id"], "ProductId": product["Id"],
        "NameComplete": f"{product['Name']} {sku['Name']}", "ComplementName": "",
        "ProductName": product["Name"], "ProductDescription": product["Description"],
        "SkuName": sku["Name"], "ProductRefId": product["RefId"], "TaxCode": "",
        "IsActive": sku["IsActive"], "IsTransported": True, "IsInventoried": True,
        "IsGiftCardRecharge": False,
        "ImageUrl": f"https://{account}.vteximg.com.br/arquivos/ids/{sku['Id']}-55-55/img.jpg",
        "DetailUrl": f"/{product['Name'].lower().replace(' ', '-')}/p", "CSCIdentification": None,
        "BrandId": "2000000", "BrandName": product["Brand"], "IsBrandActive": True,
        "Dimension": {"cubicweight": 1.0, "height": 10, "length": 10, "weight": 300, "width": 10},
        "RealDimension": {"realCubicWeight": 1.0, "realHeight": 10, "realLength": 10,
                          "realWeight": 300, "realWidth": 10},
        "ManufacturerCode": "", "IsKit": False, "KitItems": [], "Services": [], "Categories": [],
        "CategoriesFullPath": [f"/{'/'.join(ids[:n])}/" for n in range(len(ids), 0, -1)],
        "Attachments": [], "Collections": [],
        "SkuSellers": [{"SellerId": "1", "StockKeepingUnitId": sku["Id"],
                        "SellerStockKeepingUnitId": str(sku["Id"]), "IsActive": True,
                        "FreightCommissionPercentage": 0, "ProductCommissionPercentage": 0}],
        "SalesChannels": [1, 2], "Images": [], "Videos": [], "SkuSpecifications": [],
        "ProductSpecifications": [], "ProductClustersIds": "", "PositionsInClusters": {},
        "ProductClusterNames": {}, "ProductClusterHighlights": {}, "ProductCategoryIds": path,
        "IsDirectCategoryActive": True, "ProductGlobalCategoryId": None,
        "ProductCategories": {c: CATEGORIES[c] for c in reversed(ids)},
        "CommercialConditionId": 1, "RewardValue": 0.0,
        "AlternateIds": {"Ean": sku["Ean"], "RefId": sku["RefId"]},
        "AlternateIdValues": [sku["Ean"], sku["RefId"]], "EstimatedDateArrival": None,
        "MeasurementUnit": "un", "UnitMultiplier": 1.0, "InformationSource": "Indexer",
        "ModalType": None, "KeyWords": "", "ReleaseDate": "2024-01-01T00:00:00",
        "ProductIsVisible": True, "ShowIfNotAvailable": True, "IsProductActive": True,
        "ProductFinalScore": 0,
    }


def sku_summary(sku: dict[str, Any]) -> dict[str, Any]:
    """A SKU as ``stockkeepingunitByProductId`` and ``stockkeepingunit?RefId=`` list it."""
    return {"Id": sku["Id"], "ProductId": sku["ProductId"], "IsActive": sku["IsActive"],
            "Name": sku["Name"], "RefId": sku["RefId"], "PackagedHeight": 10.0,
            "PackagedLength": 10.0, "PackagedWidth": 10.0, "PackagedWeightKg": 300.0,
            "Height": 10.0, "Length": 10.0, "Width": 10.0, "WeightKg": 300.0, "CubicWeight": 1.0,
            "IsKit": False, "CreationDate": "2024-01-01T00:00:00", "RewardValue": 0.0,
            "EstimatedDateArrival": None, "ManufacturerCode": "", "CommercialConditionId": 1,
            "MeasurementUnit": "un", "UnitMultiplier": 1.0, "ModalType": None,
            "KitItensSellApart": False, "Videos": []}


def new_balance() -> dict[str, Any]:
    """An inventory entry before anything was set."""
    return {"totalQuantity": 0, "reservedQuantity": 0, "hasUnlimitedQuantity": False,
            "timeToRefill": None, "dateOfSupplyUtc": None, "leadTime": "00:00:00"}


def balance(entry: dict[str, Any]) -> dict[str, Any]:
    """An inventory entry as ``GET /api/logistics/pvt/inventory/skus/{skuId}`` lists it."""
    return dict(entry)


def initial_inventory(rng: random.Random, skus: dict[int, dict[str, Any]]
                      ) -> dict[tuple[int, str], dict[str, Any]]:
    """Seeded stock in the warehouses; the second one holds some SKUs with a lead time."""
    inventory: dict[tuple[int, str], dict[str, Any]] = {}
    for sku_id in skus:
        inventory[(sku_id, WAREHOUSES[0]["id"])] = {**new_balance(),
                                                    "totalQuantity": rng.randint(0, 40),
                                                    "leadTime": "1.00:00:00"}
        if sku_id % 2:
            inventory[(sku_id, WAREHOUSES[1]["id"])] = {**new_balance(),
                                                        "totalQuantity": rng.randint(0, 5)}
    return inventory


def empty_price(sku_id: int) -> dict[str, Any]:
    """A price document with nothing set."""
    return {"itemId": str(sku_id), "listPrice": None, "costPrice": None, "markup": None,
            "basePrice": None, "fixedPrices": []}


def initial_prices(skus: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Every SKU's base price (decimal) from its catalogue price (cents)."""
    return {sku_id: {**empty_price(sku_id), "basePrice": Decimal(sku["Price"]).scaleb(-2),
                     "listPrice": Decimal(sku["Price"]).scaleb(-2)}
            for sku_id, sku in skus.items()}
