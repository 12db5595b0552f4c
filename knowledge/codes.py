"""The licence and topic codes every FAQ entry is labelled with (what each covers: knowledge/README.md)."""

from __future__ import annotations

LICENSES: dict[str, str] = {
    "general": "增值电信业务经营许可证（通用）",
    "icp": "ICP经营许可证",
    "sp": "SP证（信息服务业务，不含互联网）",
    "edi": "EDI证（在线数据处理与交易处理）",
    "idc": "IDC证（互联网数据中心）",
    "cdn": "CDN证（内容分发网络）",
    "isp": "ISP证（互联网接入服务）",
    "vpn": "国内互联网虚拟专用网（IP-VPN）",
    "call_center": "呼叫中心业务",
    "multiparty": "国内多方通信服务",
    "store_forward": "存储转发类业务",
    "code_conversion": "编码和规程转换业务",
    "data_transfer": "固定网国内数据传送业务",
    "premises_network": "用户驻地网业务",
    "hosting": "网络托管业务",
    "number": "码号资源",
}

LICENSES_EN: dict[str, str] = {
    "general": "value-added telecom licence (general)",
    "icp": "ICP licence",
    "sp": "SP licence",
    "edi": "EDI licence",
    "idc": "IDC licence",
    "cdn": "CDN licence",
    "isp": "ISP licence",
    "vpn": "IP-VPN licence",
    "call_center": "call centre licence",
    "multiparty": "multi-party communication licence",
    "store_forward": "store-and-forward licence",
    "code_conversion": "code and protocol conversion licence",
    "data_transfer": "fixed-network domestic data transfer licence",
    "premises_network": "customer premises network licence",
    "hosting": "network hosting licence",
    "number": "number resources",
}

TOPICS: dict[str, str] = {
    "need": "是否需要办证、办哪种证",
    "requirements": "申请条件",
    "materials": "申请材料",
    "apply": "申请流程",
    "timeline": "办理时间",
    "cost": "费用",
    "renewal": "续期",
    "annual_report": "年报",
    "change": "变更",
    "cancel": "注销",
    "scope": "地网与全网、业务范围",
    "foreign": "外资",
    "security": "网络与信息安全",
    "penalty": "违规与处罚",
    "agency": "代办与顾问",
}

# Topics every licence code must cover (issue: knowledge base coverage).
REQUIRED_TOPICS: tuple[str, ...] = (
    "need", "requirements", "materials", "apply", "renewal", "annual_report", "change", "cancel",
)

# Licence types a client can hold and renew (number resources are not a licence). This is THE order
# of the numbered licence options in /renew and /subscribe: value-added in catalogue order, then basic.
HOLDABLE_LICENSES: tuple[str, ...] = tuple(code for code in LICENSES if code not in ("general", "number"))


def licence_rank(code: str) -> int:
    """Position of a licence code in HOLDABLE_LICENSES (unknown codes last)."""
    return HOLDABLE_LICENSES.index(code) if code in HOLDABLE_LICENSES else len(HOLDABLE_LICENSES)
