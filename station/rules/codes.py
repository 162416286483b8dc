"""The names of the codes a decision or a deferral carries (rule findings, deferral reasons), in both languages:
screens and reports show the name, never the bare code (HB_LOW)."""
from __future__ import annotations

CODE_NAMES: dict[str, tuple[str, str]] = {
    "AGE_OUT_OF_RANGE": ("年龄不符", "age out of range"),
    "WEIGHT_LOW": ("体重过低", "weight too low"),
    "BP_HIGH": ("血压偏高", "blood pressure high"),
    "BP_LOW": ("血压偏低", "blood pressure low"),
    "PULSE_PRESSURE_LOW": ("脉压差过小", "pulse pressure too low"),
    "PULSE_OUT_OF_RANGE": ("脉搏异常", "pulse out of range"),
    "TEMPERATURE_HIGH": ("体温偏高", "temperature high"),
    "HB_LOW": ("血红蛋白偏低", "haemoglobin low"),
    "HCT_LOW": ("红细胞压积偏低", "haematocrit low"),
    "PLT_LOW": ("血小板计数偏低", "platelet count low"),
    "PLT_HIGH": ("血小板计数偏高", "platelet count high"),
    "INTERVAL_TOO_SHORT": ("献血间隔不足", "donation interval too short"),
    "INTERVAL_HLA_APPROVAL": ("间隔不足（HLA配型须医生批准）", "interval short (HLA-matched approval needed)"),
    "ANNUAL_COUNT_EXCEEDED": ("超过年度单采次数", "yearly donation count exceeded"),
    "ANNUAL_VOLUME_EXCEEDED": ("超过年度采集总量", "yearly volume exceeded"),
    "QUESTIONNAIRE": ("健康征询不合格", "health questionnaire"),
    "DEFERRAL_TEMPORARY": ("暂缓献血期内", "temporarily deferred"),
    "DEFERRAL_PERMANENT": ("永久不宜献血", "permanently deferred"),
    "PHYSICIAN": ("医生判断暂缓", "physician's decision"),
    "HBV_POSITIVE": ("乙肝表面抗原阳性", "HBsAg positive"),
    "HCV_POSITIVE": ("丙肝抗体阳性", "anti-HCV positive"),
    "HIV_POSITIVE": ("艾滋病抗体阳性", "anti-HIV positive"),
    "SYPHILIS_POSITIVE": ("梅毒抗体阳性", "syphilis positive"),
    "UNSPECIFIED": ("未注明原因", "reason not given"),
}


def code_name(code: str, lang: str) -> str:
    """The code's name in `lang` ("zh_CN" or "en"); an unknown code is shown as it is."""
    names = CODE_NAMES.get(code)
    if names is None:
        return code
    return names[1] if lang == "en" else names[0]
