<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>ArchiveBrowser</name>
    <message>
        <source>Open the records (PDF)</source>
        <translation>打开记录（PDF）</translation>
    </message>
    <message>
        <source>Four-property check of the stored package: passed</source>
        <translation>档案包四性检测：通过</translation>
    </message>
    <message>
        <source>Four-property check of the stored package: FAILED</source>
        <translation>档案包四性检测：未通过</translation>
    </message>
    <message>
        <source>Consent and health questionnaire</source>
        <translation>知情同意及健康状况征询表</translation>
    </message>
    <message>
        <source>Registration and examination form</source>
        <translation>献血登记表/体检表</translation>
    </message>
    <message>
        <source>Collection record</source>
        <translation>单采采集记录</translation>
    </message>
    <message>
        <source>signatures valid</source>
        <translation>签名有效</translation>
    </message>
    <message>
        <source>SIGNATURES NOT VALID</source>
        <translation>签名无效</translation>
    </message>
    <message>
        <source>Archive number, DIN, name or ID number</source>
        <translation>档案号、献血条码、姓名或证件号</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>查询</translation>
    </message>
    <message>
        <source>Verification report</source>
        <translation>验证报告</translation>
    </message>
    <message>
        <source>Archive number</source>
        <translation>档案号</translation>
    </message>
    <message>
        <source>DIN</source>
        <translation>献血条码</translation>
    </message>
    <message>
        <source>Donor</source>
        <translation>献血者</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>证件号码</translation>
    </message>
    <message>
        <source>Archived on</source>
        <translation>归档日期</translation>
    </message>
</context>
<context>
    <name>ArchiveRunPanel</name>
    <message>
        <source>Archive all signed records now</source>
        <translation>一键归档全部已签名记录</translation>
    </message>
    <message>
        <source>DIN</source>
        <translation>献血条码</translation>
    </message>
    <message>
        <source>Archive number</source>
        <translation>档案号</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Archived: %1   Failed: %2</source>
        <translation>已归档：%1   失败：%2</translation>
    </message>
    <message>
        <source>archived</source>
        <translation>已归档</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
</context>
<context>
    <name>AssessmentPanel</name>
    <message>
        <source>Decide eligibility</source>
        <translation>作出献血评估结论</translation>
    </message>
    <message>
        <source>Override a failed check ...</source>
        <translation>豁免未通过项目……</translation>
    </message>
    <message>
        <source>Print bag label</source>
        <translation>打印血袋标签</translation>
    </message>
    <message>
        <source>Rule set: %1</source>
        <translation>规则版本：%1</translation>
    </message>
    <message>
        <source>Eligible</source>
        <translation>合格</translation>
    </message>
    <message>
        <source>Deferred</source>
        <translation>暂缓</translation>
    </message>
    <message>
        <source>%1 check(s) fail: the donor will be deferred unless overridden.</source>
        <translation>%1项未通过：除非医生豁免，献血者将被暂缓献血。</translation>
    </message>
</context>
<context>
    <name>DevicesPanel</name>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Driver</source>
        <translation>驱动</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation>协议</translation>
    </message>
    <message>
        <source>Test connection (live events below)</source>
        <translation>测试连接（下方显示实时事件）</translation>
    </message>
</context>
<context>
    <name>DonorHeader</name>
    <message>
        <source>No donor selected</source>
        <translation>未选择献血者</translation>
    </message>
    <message>
        <source>male</source>
        <translation>男</translation>
    </message>
    <message>
        <source>female</source>
        <translation>女</translation>
    </message>
</context>
<context>
    <name>DonorPanel</name>
    <message>
        <source>Donation history</source>
        <translation>献血史</translation>
    </message>
    <message>
        <source>Next eligible date</source>
        <translation>下次可献血日期</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Volume (mL)</source>
        <translation>量（mL）</translation>
    </message>
    <message>
        <source>Interval (days)</source>
        <translation>间隔（天）</translation>
    </message>
    <message>
        <source>Place</source>
        <translation>地点</translation>
    </message>
    <message>
        <source>Place the donor's ID card on the reader, or search or enter the donor by hand.</source>
        <translation>请将献血者身份证放在读卡器上，或查询、手工录入献血者。</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Card photo stored (no decoder on this station)</source>
        <translation>已保存证件照片（本工作站未配置解码器）</translation>
    </message>
    <message>
        <source>No photo</source>
        <translation>无照片</translation>
    </message>
    <message>
        <source>male</source>
        <translation>男</translation>
    </message>
    <message>
        <source>female</source>
        <translation>女</translation>
    </message>
    <message>
        <source>new donor</source>
        <translation>新献血者</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>证件号码</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Blood group</source>
        <translation>血型</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>住址</translation>
    </message>
    <message>
        <source>Rule set</source>
        <translation>规则版本</translation>
    </message>
    <message>
        <source>Latest donation</source>
        <translation>最近一次献血</translation>
    </message>
    <message>
        <source>PERMANENTLY DEFERRED - do not register a donation. Reason: %1</source>
        <translation>永久屏蔽——不得登记献血。原因：%1</translation>
    </message>
    <message>
        <source>until</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Deferred: %1</source>
        <translation>暂缓献血：%1</translation>
    </message>
    <message>
        <source>never</source>
        <translation>不可献血</translation>
    </message>
    <message>
        <source>now</source>
        <translation>现在即可</translation>
    </message>
</context>
<context>
    <name>EquipmentPanel</name>
    <message>
        <source>Serial</source>
        <translation>序列号</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>型号</translation>
    </message>
    <message>
        <source>Calibration due</source>
        <translation>校准到期</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>登记</translation>
    </message>
    <message>
        <source>Record calibration</source>
        <translation>记录校准</translation>
    </message>
    <message>
        <source>calibrated</source>
        <translation>已校准</translation>
    </message>
    <message>
        <source>CALIBRATION OVERDUE</source>
        <translation>校准已过期</translation>
    </message>
</context>
<context>
    <name>FiguresPanel</name>
    <message>
        <source>Collections today</source>
        <translation>今日采集（完成/开始）</translation>
    </message>
    <message>
        <source>Platelet doses</source>
        <translation>血小板治疗量</translation>
    </message>
    <message>
        <source>Deferred</source>
        <translation>暂缓献血</translation>
    </message>
    <message>
        <source>Adverse reactions</source>
        <translation>献血反应</translation>
    </message>
    <message>
        <source>Appointment share</source>
        <translation>预约占比</translation>
    </message>
    <message>
        <source>Average wait</source>
        <translation>平均等候</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <source>Today %1</source>
        <translation>今日 %1</translation>
    </message>
    <message>
        <source>Loading ...</source>
        <translation>正在加载……</translation>
    </message>
    <message>
        <source>Donations</source>
        <translation>献血人次</translation>
    </message>
    <message>
        <source>Record modification rate</source>
        <translation>记录修改率</translation>
    </message>
    <message>
        <source>Missing-signature rate</source>
        <translation>签名缺失率</translation>
    </message>
    <message>
        <source>Check errors</source>
        <translation>核对差错</translation>
    </message>
    <message>
        <source>Period %1 to %2</source>
        <translation>统计期间 %1 至 %2</translation>
    </message>
    <message>
        <source>Deferral reasons</source>
        <translation>暂缓原因</translation>
    </message>
    <message>
        <source>Collections per chair</source>
        <translation>各采血位采集人次</translation>
    </message>
    <message>
        <source>Collections per day</source>
        <translation>每日采集人次</translation>
    </message>
</context>
<context>
    <name>FinishForm</name>
    <message>
        <source>Whole blood processed (mL)</source>
        <translation>处理全血量（mL）</translation>
    </message>
    <message>
        <source>AC used (mL)</source>
        <translation>抗凝剂用量（mL）</translation>
    </message>
    <message>
        <source>AC to donor (mL)</source>
        <translation>回输抗凝剂量（mL）</translation>
    </message>
    <message>
        <source>Platelet volume (mL)</source>
        <translation>血小板量（mL）</translation>
    </message>
    <message>
        <source>Platelet yield (×10¹¹)</source>
        <translation>血小板产量（×10¹¹）</translation>
    </message>
    <message>
        <source>Plasma (mL)</source>
        <translation>血浆（mL）</translation>
    </message>
    <message>
        <source>Run time (min)</source>
        <translation>采集时长（分钟）</translation>
    </message>
    <message>
        <source>Finish collection</source>
        <translation>结束采集</translation>
    </message>
    <message>
        <source>Values from the separator's summary</source>
        <translation>数值来自分离机采集汇总</translation>
    </message>
    <message>
        <source>Typed values (no separator summary received)</source>
        <translation>手工录入数值（未收到分离机汇总）</translation>
    </message>
</context>
<context>
    <name>LockPage</name>
    <message>
        <source>Locked: %1</source>
        <translation>已锁定：%1</translation>
    </message>
    <message>
        <source>The screen was locked after a period without use.</source>
        <translation>长时间未操作，屏幕已锁定。</translation>
    </message>
    <message>
        <source>The staff card was removed.</source>
        <translation>工作卡已拔出。</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <source>Apheresis donation station</source>
        <translation>成分献血工作站</translation>
    </message>
    <message>
        <source>&amp;Username</source>
        <translation>用户名(&amp;U)</translation>
    </message>
    <message>
        <source>Staff card</source>
        <translation>工作卡</translation>
    </message>
    <message>
        <source>&amp;Password</source>
        <translation>密码(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;PIN</source>
        <translation>PIN码(&amp;P)</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Or insert your staff card and enter its PIN.</source>
        <translation>或插入工作卡并输入PIN码。</translation>
    </message>
    <message>
        <source>Enter your username and password.</source>
        <translation>请输入用户名和密码。</translation>
    </message>
</context>
<context>
    <name>LotsPanel</name>
    <message>
        <source>Apheresis kit</source>
        <translation>机采耗材</translation>
    </message>
    <message>
        <source>Anticoagulant</source>
        <translation>抗凝剂</translation>
    </message>
    <message>
        <source>Saline</source>
        <translation>生理盐水</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>物料</translation>
    </message>
    <message>
        <source>Catalogue no.</source>
        <translation>货号</translation>
    </message>
    <message>
        <source>Lot</source>
        <translation>批号</translation>
    </message>
    <message>
        <source>Expiry</source>
        <translation>有效期</translation>
    </message>
    <message>
        <source>On hand</source>
        <translation>库存</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Receive</source>
        <translation>入库</translation>
    </message>
    <message>
        <source>EXPIRED</source>
        <translation>已过期</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Apheresis donation station</source>
        <translation>成分献血工作站</translation>
    </message>
    <message>
        <source>DEMO - practice data only; the demo accounts' passwords and PINs are published: never enter real donors</source>
        <translation>演示 — 仅供练习的数据；演示账户的密码和 PIN 是公开的，请勿录入真实献血者</translation>
    </message>
    <message>
        <source>Lock screen</source>
        <translation>锁定屏幕</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Your account has no workspace on this station.</source>
        <translation>您的账户在本工作站没有可用的工作区。</translation>
    </message>
    <message>
        <source>Scan %1 received, but no entry field is selected: click the field and scan again.</source>
        <translation>已收到扫描 %1，但没有选中输入框：请点击输入框后重新扫描。</translation>
    </message>
</context>
<context>
    <name>ManualEntryForm</name>
    <message>
        <source>&amp;ID number</source>
        <translation>证件号码(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;Name</source>
        <translation>姓名(&amp;N)</translation>
    </message>
    <message>
        <source>Se&amp;x</source>
        <translation>性别(&amp;X)</translation>
    </message>
    <message>
        <source>Date of &amp;birth</source>
        <translation>出生日期(&amp;B)</translation>
    </message>
    <message>
        <source>P&amp;hone</source>
        <translation>电话(&amp;H)</translation>
    </message>
    <message>
        <source>A&amp;ddress</source>
        <translation>住址(&amp;D)</translation>
    </message>
    <message>
        <source>ABO</source>
        <translation>ABO血型</translation>
    </message>
    <message>
        <source>RhD</source>
        <translation>RhD血型</translation>
    </message>
    <message>
        <source>male</source>
        <translation>男</translation>
    </message>
    <message>
        <source>female</source>
        <translation>女</translation>
    </message>
    <message>
        <source>&amp;Register donor</source>
        <translation>登记献血者(&amp;R)</translation>
    </message>
    <message>
        <source>Valid ID number</source>
        <translation>证件号码有效</translation>
    </message>
</context>
<context>
    <name>OverrideDialog</name>
    <message>
        <source>Override a failed check</source>
        <translation>豁免未通过项目</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>核对</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Signature</source>
        <translation>签名</translation>
    </message>
    <message>
        <source>Give a reason of at least 4 characters.</source>
        <translation>请填写至少4个字的理由。</translation>
    </message>
    <message>
        <source>Sign in the box.</source>
        <translation>请在框内签名。</translation>
    </message>
</context>
<context>
    <name>PasswordChangePage</name>
    <message>
        <source>This is your first sign-in: choose your own password (at least 8 characters, letters and digits).</source>
        <translation>首次登录：请设置您自己的密码（至少8位，须同时包含字母和数字）。</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>当前密码</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新密码</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>再次输入新密码</translation>
    </message>
    <message>
        <source>Change password</source>
        <translation>修改密码</translation>
    </message>
    <message>
        <source>The two new passwords differ.</source>
        <translation>两次输入的新密码不一致。</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
</context>
<context>
    <name>PostCheckForm</name>
    <message>
        <source>Donor's condition good</source>
        <translation>献血者状况良好</translation>
    </message>
    <message>
        <source>Puncture site fine</source>
        <translation>穿刺部位正常</translation>
    </message>
    <message>
        <source>Product appearance normal</source>
        <translation>血液成分外观正常</translation>
    </message>
    <message>
        <source>Label applied</source>
        <translation>已贴标签</translation>
    </message>
    <message>
        <source>Bag intact, no leak</source>
        <translation>血袋完好、无渗漏</translation>
    </message>
    <message>
        <source>Notes (required when an item is not ticked)</source>
        <translation>说明（有未勾选项目时必填）</translation>
    </message>
    <message>
        <source>Save post-collection check</source>
        <translation>保存采后核对</translation>
    </message>
</context>
<context>
    <name>PreCheckForm</name>
    <message>
        <source>Donor card / wristband</source>
        <translation>献血者证件/腕带</translation>
    </message>
    <message>
        <source>Bag DIN</source>
        <translation>血袋条码</translation>
    </message>
    <message>
        <source>Separator serial</source>
        <translation>分离机序列号</translation>
    </message>
    <message>
        <source>Kit lot</source>
        <translation>耗材批号</translation>
    </message>
    <message>
        <source>Anticoagulant lot</source>
        <translation>抗凝剂批号</translation>
    </message>
    <message>
        <source>Saline lot</source>
        <translation>生理盐水批号</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>核对</translation>
    </message>
</context>
<context>
    <name>PretestPanel</name>
    <message>
        <source>Haemoglobin (g/L)</source>
        <translation>血红蛋白（g/L）</translation>
    </message>
    <message>
        <source>Haematocrit (L/L)</source>
        <translation>红细胞压积（L/L）</translation>
    </message>
    <message>
        <source>Platelets (10^9/L)</source>
        <translation>血小板计数（10^9/L）</translation>
    </message>
    <message>
        <source>MPV (fL)</source>
        <translation>平均血小板体积（fL）</translation>
    </message>
    <message>
        <source>Manual entry (analyzer not available)</source>
        <translation>手工录入（血细胞分析仪不可用）</translation>
    </message>
    <message>
        <source>Reason for manual entry</source>
        <translation>手工录入原因</translation>
    </message>
    <message>
        <source>Save results</source>
        <translation>保存检测结果</translation>
    </message>
    <message>
        <source>Waiting for the analyzer: sample %1</source>
        <translation>等待血细胞分析仪结果：样本 %1</translation>
    </message>
    <message>
        <source>Analyzer result filed for %1: %2</source>
        <translation>已接收 %1 的检测结果：%2</translation>
    </message>
    <message>
        <source>Analyzer result for %1 not filed (%2): %3</source>
        <translation>%1 的检测结果未归入（%2）：%3</translation>
    </message>
    <message>
        <source>Enter haemoglobin, haematocrit and platelets.</source>
        <translation>请输入血红蛋白、红细胞压积和血小板计数。</translation>
    </message>
    <message>
        <source>Hb</source>
        <translation>血红蛋白</translation>
    </message>
    <message>
        <source>Hct</source>
        <translation>红细胞压积</translation>
    </message>
    <message>
        <source>MPV</source>
        <translation>平均血小板体积</translation>
    </message>
    <message>
        <source>PLT</source>
        <translation>血小板计数</translation>
    </message>
    <message>
        <source>Recorded results (%1): %2</source>
        <translation>已记录的检测结果（%1）：%2</translation>
    </message>
    <message>
        <source>analyzer</source>
        <translation>血细胞分析仪</translation>
    </message>
    <message>
        <source>entered by hand</source>
        <translation>手工录入</translation>
    </message>
</context>
<context>
    <name>QueueTicket</name>
    <message>
        <source>No donation registered yet</source>
        <translation>尚未登记献血</translation>
    </message>
    <message>
        <source>The donor is reading and signing on the tablet</source>
        <translation>献血者正在签名板上阅读并签署</translation>
    </message>
    <message>
        <source>Questionnaire signed: send the donor to the physician</source>
        <translation>健康征询已签署：请献血者到医生处体检</translation>
    </message>
    <message>
        <source>The donor reported wrong details: check and register again</source>
        <translation>献血者反映信息有误：请核对后重新登记</translation>
    </message>
    <message>
        <source>Queue number</source>
        <translation>排队号</translation>
    </message>
</context>
<context>
    <name>ReactionForm</name>
    <message>
        <source>Reaction</source>
        <translation>反应类型</translation>
    </message>
    <message>
        <source>Grade (1 mild - 3 severe)</source>
        <translation>分级（1轻—3重）</translation>
    </message>
    <message>
        <source>Treatment</source>
        <translation>处理措施</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>转归</translation>
    </message>
    <message>
        <source>Record adverse reaction</source>
        <translation>记录献血反应</translation>
    </message>
    <message>
        <source>%1  %2, grade %3: %4</source>
        <translation>%1  %2，%3级：%4</translation>
    </message>
    <message>
        <source>Adverse reaction</source>
        <translation>献血不良反应</translation>
    </message>
    <message>
        <source>None recorded</source>
        <translation>尚无记录</translation>
    </message>
    <message>
        <source>Now</source>
        <translation>现在</translation>
    </message>
    <message>
        <source>Reactions recorded for this donation</source>
        <translation>本次献血已记录的不良反应</translation>
    </message>
    <message>
        <source>Record this adverse reaction?
%1, grade %2, onset %3
Treatment: %4</source>
        <translation>确认记录此献血不良反应？
%1，%2级，发生时间 %3
处理措施：%4</translation>
    </message>
    <message>
        <source>Time of onset</source>
        <translation>发生时间</translation>
    </message>
</context>
<context>
    <name>SealingPanel</name>
    <message>
        <source>Scan the DIN on every bag and sample segment, then press Seal check.</source>
        <translation>请逐一扫描每个血袋和留样管上的条码，然后点击“热合核对”。</translation>
    </message>
    <message>
        <source>Scan here</source>
        <translation>在此扫描</translation>
    </message>
    <message>
        <source>Seal check</source>
        <translation>热合核对</translation>
    </message>
    <message>
        <source>Clear scans</source>
        <translation>清空扫描</translation>
    </message>
</context>
<context>
    <name>SearchPanel</name>
    <message>
        <source>ID number, name, phone or DIN</source>
        <translation>证件号码、姓名、电话或献血条码</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>查询</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>证件号码</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>male</source>
        <translation>男</translation>
    </message>
    <message>
        <source>female</source>
        <translation>女</translation>
    </message>
</context>
<context>
    <name>SeparatorPanel</name>
    <message>
        <source>Start collection (needle in)</source>
        <translation>开始采集（已穿刺）</translation>
    </message>
    <message>
        <source>Separator alarms</source>
        <translation>分离机报警</translation>
    </message>
    <message>
        <source>No data from the separator yet.</source>
        <translation>尚未收到分离机数据。</translation>
    </message>
    <message>
        <source>priming</source>
        <translation>预充</translation>
    </message>
    <message>
        <source>collecting</source>
        <translation>采集中</translation>
    </message>
    <message>
        <source>rinseback</source>
        <translation>回输</translation>
    </message>
    <message>
        <source>ended</source>
        <translation>已结束</translation>
    </message>
    <message>
        <source>Phase: %1   Time: %2 min   Processed: %3 mL   Yield: %4 ×10¹¹   AC: %5 mL</source>
        <translation>阶段：%1   时间：%2 分钟   处理量：%3 mL   产量：%4 ×10¹¹   抗凝剂：%5 mL</translation>
    </message>
</context>
<context>
    <name>SignPanel</name>
    <message>
        <source>Token PIN</source>
        <translation>密钥PIN码</translation>
    </message>
    <message>
        <source>Sign the records</source>
        <translation>签署记录</translation>
    </message>
    <message>
        <source>The consent, registration and collection records are signed with your key and time-stamped.</source>
        <translation>知情同意书、登记体检记录和采集记录将使用您的密钥签名并加盖时间戳。</translation>
    </message>
</context>
<context>
    <name>StationStatusBar</name>
    <message>
        <source>Signed in: %1</source>
        <translation>当前用户：%1</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>未登录</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>数据库</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>已连接</translation>
    </message>
    <message>
        <source>not reachable</source>
        <translation>无法连接</translation>
    </message>
    <message>
        <source>Time stamping</source>
        <translation>时间戳服务</translation>
    </message>
    <message>
        <source>reachable</source>
        <translation>可连接</translation>
    </message>
    <message>
        <source>Barcode scanner</source>
        <translation>条码扫描枪</translation>
    </message>
    <message>
        <source>Cell separator</source>
        <translation>血细胞分离机</translation>
    </message>
    <message>
        <source>Fingerprint scanner</source>
        <translation>指纹仪</translation>
    </message>
    <message>
        <source>Haematology analyzer</source>
        <translation>血细胞分析仪</translation>
    </message>
    <message>
        <source>ID-card reader</source>
        <translation>身份证阅读器</translation>
    </message>
    <message>
        <source>Label printer</source>
        <translation>标签打印机</translation>
    </message>
    <message>
        <source>Signature pad</source>
        <translation>签名板</translation>
    </message>
    <message>
        <source>Staff card reader</source>
        <translation>工作人员卡读卡器</translation>
    </message>
    <message>
        <source>Analyzer</source>
        <translation>血细胞分析仪</translation>
    </message>
    <message>
        <source>Fingerprint</source>
        <translation>指纹仪</translation>
    </message>
    <message>
        <source>ID card</source>
        <translation>身份证</translation>
    </message>
    <message>
        <source>Printer</source>
        <translation>打印机</translation>
    </message>
    <message>
        <source>Scanner</source>
        <translation>扫描枪</translation>
    </message>
    <message>
        <source>Separator</source>
        <translation>分离机</translation>
    </message>
    <message>
        <source>Staff card</source>
        <translation>工作卡</translation>
    </message>
</context>
<context>
    <name>TabletWindow</name>
    <message>
        <source>Donor</source>
        <translation>献血者</translation>
    </message>
    <message>
        <source>Welcome. Thank you for donating platelets.
Please wait for the staff.</source>
        <translation>欢迎您！感谢您捐献血小板。
请稍候，工作人员将为您服务。</translation>
    </message>
    <message>
        <source>Please check your details</source>
        <translation>请核对您的信息</translation>
    </message>
    <message>
        <source>Yes, these are my details</source>
        <translation>信息正确</translation>
    </message>
    <message>
        <source>Something is wrong</source>
        <translation>信息有误</translation>
    </message>
    <message>
        <source>Please read the consent to the end and answer every question.</source>
        <translation>请完整阅读知情同意书，并回答每一个问题。</translation>
    </message>
    <message>
        <source>Continue to signature</source>
        <translation>继续签名</translation>
    </message>
    <message>
        <source>Please sign in the box below</source>
        <translation>请在下方框内签名</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Please place your finger on the scanner</source>
        <translation>请将手指放在指纹采集器上</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Thank you. Please return the pen and wait to be called.</source>
        <translation>谢谢！请放回签名笔，等候叫号。</translation>
    </message>
    <message>
        <source>male</source>
        <translation>男</translation>
    </message>
    <message>
        <source>female</source>
        <translation>女</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>证件号码</translation>
    </message>
    <message>
        <source>Blood group</source>
        <translation>血型</translation>
    </message>
    <message>
        <source>Waiting for the scanner ...</source>
        <translation>正在等待指纹采集器……</translation>
    </message>
    <message>
        <source>Fingerprint taken. Thank you.</source>
        <translation>指纹已采集，谢谢！</translation>
    </message>
    <message>
        <source>The print was not clear enough. Please press again.</source>
        <translation>指纹不够清晰，请再按一次。</translation>
    </message>
    <message>
        <source>The scanner is not available. Please tell the staff.</source>
        <translation>指纹采集器不可用，请告知工作人员。</translation>
    </message>
    <message>
        <source>Health questionnaire</source>
        <translation>健康征询</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>End of the questionnaire.</source>
        <translation>健康征询到此结束。</translation>
    </message>
</context>
<context>
    <name>UsersPanel</name>
    <message>
        <source>Username</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Roles</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>锁定</translation>
    </message>
    <message>
        <source>Initial password</source>
        <translation>初始密码</translation>
    </message>
    <message>
        <source>Add user</source>
        <translation>添加用户</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
</context>
<context>
    <name>ValidatedField</name>
    <message>
        <source>Not a number</source>
        <translation>不是数字</translation>
    </message>
</context>
<context>
    <name>VitalsForm</name>
    <message>
        <source>Weight (kg)</source>
        <translation>体重（kg）</translation>
    </message>
    <message>
        <source>Height (cm)</source>
        <translation>身高（cm）</translation>
    </message>
    <message>
        <source>Systolic (mmHg)</source>
        <translation>收缩压（mmHg）</translation>
    </message>
    <message>
        <source>Diastolic (mmHg)</source>
        <translation>舒张压（mmHg）</translation>
    </message>
    <message>
        <source>Pulse (/min)</source>
        <translation>脉搏（次/分）</translation>
    </message>
    <message>
        <source>Temperature (°C)</source>
        <translation>体温（°C）</translation>
    </message>
    <message>
        <source>Pulse regular</source>
        <translation>脉律齐</translation>
    </message>
    <message>
        <source>General condition</source>
        <translation>一般情况</translation>
    </message>
    <message>
        <source>Save examination</source>
        <translation>保存体检结果</translation>
    </message>
    <message>
        <source>Required</source>
        <translation>必填</translation>
    </message>
</context>
<context>
    <name>Workspace</name>
    <message>
        <source>Today's &amp;bookings</source>
        <translation>今日预约(&amp;B)</translation>
    </message>
    <message>
        <source>Users and roles</source>
        <translation>用户与角色</translation>
    </message>
    <message>
        <source>Equipment</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Consumable lots</source>
        <translation>耗材批号</translation>
    </message>
    <message>
        <source>Rule set in force</source>
        <translation>现行献血规则</translation>
    </message>
    <message>
        <source>Site configuration</source>
        <translation>站点配置</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>外接设备</translation>
    </message>
    <message>
        <source>The records are signed.</source>
        <translation>记录已签名。</translation>
    </message>
    <message>
        <source>consent and questionnaire</source>
        <translation>知情同意及健康状况征询表</translation>
    </message>
    <message>
        <source>registration and examination form</source>
        <translation>献血登记表/体检表</translation>
    </message>
    <message>
        <source>collection record</source>
        <translation>单采采集记录</translation>
    </message>
    <message>
        <source>Your record is signed; still waiting for: %1</source>
        <translation>您负责的记录已签名；尚待签名：%1</translation>
    </message>
    <message>
        <source>All three records are signed.</source>
        <translation>三份记录均已签名。</translation>
    </message>
    <message>
        <source>Your records are signed; still waiting for: %1</source>
        <translation>您负责的记录已签名；尚待签名：%1</translation>
    </message>
    <message>
        <source>1 Pre-collection check</source>
        <translation>1 采前核对</translation>
    </message>
    <message>
        <source>2 Separator</source>
        <translation>2 分离机</translation>
    </message>
    <message>
        <source>3 Finish</source>
        <translation>3 结束采集</translation>
    </message>
    <message>
        <source>4 Post-collection check</source>
        <translation>4 采后核对</translation>
    </message>
    <message>
        <source>5 Sealing</source>
        <translation>5 热合核对</translation>
    </message>
    <message>
        <source>6 Sign records</source>
        <translation>6 记录签名</translation>
    </message>
    <message>
        <source>Adverse reaction</source>
        <translation>献血反应</translation>
    </message>
    <message>
        <source>The separator sent its end-of-run summary.</source>
        <translation>分离机已发送采集汇总。</translation>
    </message>
    <message>
        <source>Label printed for %1</source>
        <translation>已打印 %1 的标签</translation>
    </message>
    <message>
        <source>General examination</source>
        <translation>一般检查</translation>
    </message>
    <message>
        <source>Pre-donation tests</source>
        <translation>献血前检测</translation>
    </message>
    <message>
        <source>Eligibility</source>
        <translation>献血评估</translation>
    </message>
    <message>
        <source>Eligible: print the label and send the donor to the chair.</source>
        <translation>评估合格：请打印标签并引导献血者到采血位。</translation>
    </message>
    <message>
        <source>The donor was deferred.</source>
        <translation>献血者已被暂缓献血。</translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation>查询(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Manual entry</source>
        <translation>手工录入(&amp;M)</translation>
    </message>
    <message>
        <source>Register &amp;donation and print queue ticket</source>
        <translation>登记献血并打印排队号(&amp;D)</translation>
    </message>
    <message>
        <source>Show on donor &amp;tablet again</source>
        <translation>重新显示到签名板(&amp;T)</translation>
    </message>
    <message>
        <source>Donation %1 registered, queue number %2</source>
        <translation>已登记献血 %1，排队号 %2</translation>
    </message>
    <message>
        <source>The donor signed the consent and questionnaire.</source>
        <translation>献血者已签署知情同意书和健康征询。</translation>
    </message>
    <message>
        <source>Adverse reaction recorded.</source>
        <translation>献血不良反应已记录。</translation>
    </message>
    <message>
        <source>WRONG BAG: the scan %1 does not carry this donation's DIN %2. Do not seal; remove the bag.</source>
        <translation>血袋错误：扫描的 %1 不是本次献血的献血条码 %2。请勿热合，撤下该血袋。</translation>
    </message>
    <message>
        <source>%1 — click to acknowledge</source>
        <translation>%1 — 点击确认</translation>
    </message>
    <message>
        <source>Regional check acknowledged.</source>
        <translation>区域核查已确认。</translation>
    </message>
    <message>
        <source>Regional checks…</source>
        <translation>区域核查…</translation>
    </message>
    <message>
        <source>1 Pre-check</source>
        <translation>1 采前核对</translation>
    </message>
    <message>
        <source>4 Post-check</source>
        <translation>4 采后核对</translation>
    </message>
    <message>
        <source>6 Sign</source>
        <translation>6 记录签名</translation>
    </message>
    <message>
        <source>Reaction</source>
        <translation>献血反应</translation>
    </message>
</context>
<context>
    <name>Workspaces</name>
    <message>
        <source>Registration desk</source>
        <translation>登记台</translation>
    </message>
    <message>
        <source>Examination and assessment</source>
        <translation>体检与评估</translation>
    </message>
    <message>
        <source>Collection chair</source>
        <translation>采血位</translation>
    </message>
    <message>
        <source>Archive</source>
        <translation>档案</translation>
    </message>
    <message>
        <source>Administration</source>
        <translation>系统管理</translation>
    </message>
    <message>
        <source>Quality dashboard</source>
        <translation>质量看板</translation>
    </message>
</context>
<context>
    <name>ops</name>
    <message>
        <source>An unexpected error occurred. The step was not completed; please try again or call support.</source>
        <translation>发生意外错误，本步骤未完成；请重试或联系技术支持。</translation>
    </message>
    <message>
        <source>Not done</source>
        <translation>操作未完成</translation>
    </message>
    <message>
        <source>(technical details in the log)</source>
        <translation>（技术详情已记入日志）</translation>
    </message>
</context>
<context>
    <name>run_confirmed</name>
    <message>
        <source>Please confirm these values</source>
        <translation>请确认以下数值</translation>
    </message>
    <message>
        <source>Are these values correct as entered?</source>
        <translation>以上数值是否录入无误？</translation>
    </message>
</context>
<context>
    <name>screenshots</name>
    <message>
        <source>SEALING MISMATCH: scanned =W0000269999900 does not belong to this donation; stop and investigate</source>
        <translation>热合核对不符！扫描的条码 =W0000269999900 不属于本次献血，请立即停止并核查</translation>
    </message>
</context>
<context>
    <name>WaitingRoomDisplay</name>
    <message>
        <source>Waiting room</source>
        <translation>候诊叫号</translation>
    </message>
    <message>
        <source>Apheresis donation — please wait for your number</source>
        <translation>成分献血 —— 请留意叫号</translation>
    </message>
    <message>
        <source>Number %1, please go to %2</source>
        <translation>请 %1 号 到 %2</translation>
    </message>
    <message>
        <source>Please wait to be called</source>
        <translation>请稍候，等待叫号</translation>
    </message>
    <message>
        <source>Waiting: %1</source>
        <translation>等候人数：%1</translation>
    </message>
</context>
<context>
    <name>CallPanel</name>
    <message>
        <source>Desk or chair</source>
        <translation>窗口或采血位</translation>
    </message>
    <message>
        <source>Call next donor</source>
        <translation>叫下一位</translation>
    </message>
    <message>
        <source>Nobody is waiting.</source>
        <translation>无人等候。</translation>
    </message>
    <message>
        <source>Called %1</source>
        <translation>已叫 %1</translation>
    </message>
</context>
<context>
    <name>BookingsPanel</name>
    <message>
        <source>Time slot</source>
        <translation>时段</translation>
    </message>
    <message>
        <source>Booking</source>
        <translation>预约号</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>证件号码</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Import bookings…</source>
        <translation>导入预约…</translation>
    </message>
    <message>
        <source>Mark no-shows</source>
        <translation>标记未到</translation>
    </message>
    <message>
        <source>booked</source>
        <translation>已预约</translation>
    </message>
    <message>
        <source>arrived</source>
        <translation>已到达</translation>
    </message>
    <message>
        <source>no-show</source>
        <translation>未到</translation>
    </message>
    <message>
        <source>%1 booked, %2 arrived</source>
        <translation>预约 %1 人，已到达 %2 人</translation>
    </message>
    <message>
        <source>No bookings for today</source>
        <translation>今日无预约</translation>
    </message>
    <message>
        <source>Import bookings</source>
        <translation>导入预约</translation>
    </message>
    <message>
        <source>Booking files (*.json *.csv)</source>
        <translation>预约文件 (*.json *.csv)</translation>
    </message>
    <message>
        <source>Imported %1 bookings</source>
        <translation>已导入 %1 条预约</translation>
    </message>
    <message>
        <source>%1 rows refused:</source>
        <translation>%1 行被拒绝：</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>ID card reader</source>
        <translation>身份证阅读器</translation>
    </message>
    <message>
        <source>Hematology analyzer</source>
        <translation>血细胞分析仪</translation>
    </message>
    <message>
        <source>Cell separator</source>
        <translation>血细胞分离机</translation>
    </message>
    <message>
        <source>Signature pad</source>
        <translation>签名板</translation>
    </message>
    <message>
        <source>Fingerprint scanner</source>
        <translation>指纹仪</translation>
    </message>
    <message>
        <source>Label printer</source>
        <translation>标签打印机</translation>
    </message>
    <message>
        <source>Barcode scanner</source>
        <translation>条码扫描枪</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>测试</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>正在测试…</translation>
    </message>
    <message>
        <source>Site and station</source>
        <translation>血站与工作站</translation>
    </message>
    <message>
        <source>Which blood centre this station belongs to, and which station it is.</source>
        <translation>本工作站所属的血站，以及它是哪一个工作站。</translation>
    </message>
    <message>
        <source>5 characters, e.g. W1234</source>
        <translation>5 位，例如 W1234</translation>
    </message>
    <message>
        <source>e.g. Chair 1</source>
        <translation>例如 机采1号位</translation>
    </message>
    <message>
        <source>Test the connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>数据库</translation>
    </message>
    <message>
        <source>One station on its own keeps its data in a file; the stations of a centre share its PostgreSQL database.</source>
        <translation>单台工作站把数据保存在本机文件中；一个血站的多台工作站共用血站的 PostgreSQL 数据库。</translation>
    </message>
    <message>
        <source>This station only (embedded SQLite file in the data folder)</source>
        <translation>仅本工作站（数据目录中的内置 SQLite 文件）</translation>
    </message>
    <message>
        <source>The centre's PostgreSQL database</source>
        <translation>血站的 PostgreSQL 数据库</translation>
    </message>
    <message>
        <source>Ask the centre's IT for the address. The first station creates the tables; the others join them.</source>
        <translation>地址请向血站信息科索取。第一台工作站建立数据表，其余工作站直接加入。</translation>
    </message>
    <message>
        <source>Records store folder</source>
        <translation>档案存储文件夹</translation>
    </message>
    <message>
        <source>Test the records store</source>
        <translation>测试档案存储</translation>
    </message>
    <message>
        <source>Records store</source>
        <translation>档案存储</translation>
    </message>
    <message>
        <source>Where archived records are kept: a folder (local or a mounted network share) or an S3-compatible object store with object lock.</source>
        <translation>归档记录的存放位置：一个文件夹（本机或已挂载的网络共享），或支持对象锁定的 S3 兼容对象存储。</translation>
    </message>
    <message>
        <source>Choose folder…</source>
        <translation>选择文件夹…</translation>
    </message>
    <message>
        <source>empty: the archive-store folder in the data folder</source>
        <translation>留空：数据目录中的 archive-store 文件夹</translation>
    </message>
    <message>
        <source>Examples: file:///srv/records, s3://records/station-3</source>
        <translation>示例：file:///srv/records、s3://records/station-3</translation>
    </message>
    <message>
        <source>The centre's CA folder</source>
        <translation>血站 CA 文件夹</translation>
    </message>
    <message>
        <source>Test the CA and time stamps</source>
        <translation>测试 CA 和时间戳</translation>
    </message>
    <message>
        <source>Certificates and time stamps</source>
        <translation>证书与时间戳</translation>
    </message>
    <message>
        <source>The signed records need a certification authority (CA) and an RFC 3161 time stamp service.</source>
        <translation>电子签名记录需要一个证书认证机构（CA）和一个 RFC 3161 时间戳服务。</translation>
    </message>
    <message>
        <source>Create this station's own CA and time stamp service</source>
        <translation>为本工作站新建 CA 和时间戳服务</translation>
    </message>
    <message>
        <source>Use the centre's CA (root and issuing CA with their keys)</source>
        <translation>使用血站的 CA（根 CA 和签发 CA 及其密钥）</translation>
    </message>
    <message>
        <source>http://tsa.centre.local/tsa (empty: this station's own)</source>
        <translation>http://tsa.centre.local/tsa（留空：使用本工作站自己的）</translation>
    </message>
    <message>
        <source>simulator</source>
        <translation>模拟器</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Choose each device's driver and port, then test it. A device left on the simulator can be set up later.</source>
        <translation>为每台设备选择驱动和端口，然后测试。暂用模拟器的设备可以以后再设置。</translation>
    </message>
    <message>
        <source>Find ports again</source>
        <translation>重新查找端口</translation>
    </message>
    <message>
        <source>A port may also be typed: COM3, /dev/ttyUSB0, a pty, socket://host:port, mllp://0.0.0.0:5100 (HL7 analyzer). Scan a barcode or send a result from the analyzer while it is tested.</source>
        <translation>端口也可手动输入：COM3、/dev/ttyUSB0、伪终端、socket://主机:端口、mllp://0.0.0.0:5100（HL7 分析仪）。测试扫描枪时请扫一个条码，测试分析仪时请从分析仪发送一个结果。</translation>
    </message>
    <message>
        <source>Set up this station</source>
        <translation>配置本工作站</translation>
    </message>
    <message>
        <source>Everything is checked once more, then the configuration is written.</source>
        <translation>所有设置将再检查一遍，然后写入配置。</translation>
    </message>
    <message>
        <source>embedded SQLite file</source>
        <translation>内置 SQLite 文件</translation>
    </message>
    <message>
        <source>the archive-store folder in the data folder</source>
        <translation>数据目录中的 archive-store 文件夹</translation>
    </message>
    <message>
        <source>this station's own CA</source>
        <translation>本工作站自己的 CA</translation>
    </message>
    <message>
        <source>this station's own time stamp service</source>
        <translation>本工作站自己的时间戳服务</translation>
    </message>
    <message>
        <source>Set up the apheresis station</source>
        <translation>配置单采工作站</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Blood centre</source>
        <translation>血站</translation>
    </message>
    <message>
        <source>Name in English (optional)</source>
        <translation>英文名称（可选）</translation>
    </message>
    <message>
        <source>Facility code (ISBT 128)</source>
        <translation>机构代码（ISBT 128）</translation>
    </message>
    <message>
        <source>Station name</source>
        <translation>工作站名称</translation>
    </message>
    <message>
        <source>Station kind</source>
        <translation>工作站类型</translation>
    </message>
    <message>
        <source>Registration desk</source>
        <translation>登记台</translation>
    </message>
    <message>
        <source>Collection chair</source>
        <translation>采集位</translation>
    </message>
    <message>
        <source>Office (physician, archivist, administrator)</source>
        <translation>办公室（医生、档案员、管理员）</translation>
    </message>
    <message>
        <source>Other stations already use this database: this station joins them.</source>
        <translation>已有其他工作站在使用此数据库：本工作站将加入。</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>S3 endpoint</source>
        <translation>S3 服务地址</translation>
    </message>
    <message>
        <source>Access key</source>
        <translation>访问密钥 ID</translation>
    </message>
    <message>
        <source>Secret key</source>
        <translation>访问密钥</translation>
    </message>
    <message>
        <source>The records store answers: %1</source>
        <translation>档案存储可用：%1</translation>
    </message>
    <message>
        <source>CA folder</source>
        <translation>CA 文件夹</translation>
    </message>
    <message>
        <source>Key passphrase</source>
        <translation>密钥口令</translation>
    </message>
    <message>
        <source>Time stamp service</source>
        <translation>时间戳服务</translation>
    </message>
    <message>
        <source>Key custody</source>
        <translation>密钥保管</translation>
    </message>
    <message>
        <source>Passphrase again</source>
        <translation>再次输入口令</translation>
    </message>
    <message>
        <source>Token label</source>
        <translation>令牌标签</translation>
    </message>
    <message>
        <source>Token PIN</source>
        <translation>令牌 PIN</translation>
    </message>
    <message>
        <source>Passphrase typed at every start (not stored)</source>
        <translation>口令：每次启动时输入（不保存）</translation>
    </message>
    <message>
        <source>Keys on a PKCS#11 token (PIN at every start)</source>
        <translation>密钥放在 PKCS#11 令牌上（每次启动时输入 PIN）</translation>
    </message>
    <message>
        <source>Demo only: passphrase file beside the keys</source>
        <translation>仅用于演示：口令文件与密钥放在一起</translation>
    </message>
    <message>
        <source>The passphrase is not stored on this station: the administrator types it at every client start to unlock signing.</source>
        <translation>口令不保存在本工作站：管理员每次启动客户端时输入，以解锁签名。</translation>
    </message>
    <message>
        <source>The CA and time stamp keys are made on the token and never leave it: insert it and type its PIN at every client start.</source>
        <translation>CA 和时间戳密钥在令牌上生成，永不离开令牌：每次启动客户端时插入令牌并输入 PIN。</translation>
    </message>
    <message>
        <source>Demonstration only: the passphrase is kept in a file beside the keys, so whoever copies the data folder can issue certificates and time stamps.</source>
        <translation>仅用于演示：口令以文件形式与密钥放在一起，复制数据目录的人即可签发证书和时间戳。</translation>
    </message>
    <message>
        <source>donor tablet window</source>
        <translation>献血者平板窗口</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>未通过</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>已应答</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Driver</source>
        <translation>驱动</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>数据目录</translation>
    </message>
    <message>
        <source>CA</source>
        <translation>CA</translation>
    </message>
    <message>
        <source>On the simulator</source>
        <translation>使用模拟器</translation>
    </message>
    <message>
        <source>The station is set up. Configuration: %1</source>
        <translation>工作站已配置完成。配置文件：%1</translation>
    </message>
    <message>
        <source>The database already has an administrator: sign in with that account.</source>
        <translation>数据库中已有管理员：请用该账号登录。</translation>
    </message>
    <message>
        <source>the centre's CA in %1</source>
        <translation>血站 CA（%1）</translation>
    </message>
    <message>
        <source>Connected: PostgreSQL %1 at %2</source>
        <translation>已连接：PostgreSQL %1，%2</translation>
    </message>
    <message>
        <source>Serial ports found: %1</source>
        <translation>找到的串口：%1</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>The time stamp service answers: %1, time %2</source>
        <translation>时间戳服务已应答：%1，时间 %2</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>%1: answered on %2</source>
        <translation>%1：%2 上的设备已应答</translation>
    </message>
    <message>
        <source>Administrator: %1, password: %2
Write it down now: it is shown only once and must be changed at the first sign-in.</source>
        <translation>管理员：%1，密码：%2
请立即记下：密码只显示这一次，首次登录时须修改。</translation>
    </message>
    <message>
        <source>The chain verifies: %1 under %2 (SHA-256 %3), valid until %4</source>
        <translation>证书链验证通过：%1，根证书 %2（SHA-256 %3），有效期至 %4</translation>
    </message>
</context>
<context>
    <name>BookingsPanel</name>
    <message>
        <source>Pull from the booking platform</source>
        <translation>从预约平台获取</translation>
    </message>
    <message>
        <source>%1 already known</source>
        <translation>%1 条已导入过</translation>
    </message>
</context>
<context>
    <name>FiguresPanel</name>
    <message>
        <source>Export today's ledger (CSV)…</source>
        <translation>导出今日出库登记（CSV）…</translation>
    </message>
    <message>
        <source>Export today's ledger (PDF)…</source>
        <translation>导出今日出库登记（PDF）…</translation>
    </message>
</context>
<context>
    <name>QualityController</name>
    <message>
        <source>Export the day's consumption ledger</source>
        <translation>导出当日耗材出库登记</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <source>Ledger of %1 exported to %2 (%3 lines)</source>
        <translation>%1 出库登记已导出到 %2（%3 行）</translation>
    </message>
</context>
<context>
    <name>LotsPanel</name>
    <message>
        <source>at</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>The lot expires at a time of day (without it: at the end of the day)</source>
        <translation>该批号在当日某一时刻失效（不勾选：有效期至当日结束）</translation>
    </message>
</context>
<context>
    <name>CollectionController</name>
    <message>
        <source>No blood group on file for this donor: the separator was sent the parameters without one; check the group on the separator.</source>
        <translation>该献血者无血型记录：已向分离机发送不含血型的采集参数，请在分离机上核对血型。</translation>
    </message>
    <message>
        <source>The separator parameters could not be sent (%1); key them in on the separator.</source>
        <translation>未能向分离机发送采集参数（%1），请在分离机上手工输入。</translation>
    </message>
</context>
<context>
    <name>RegionalChecks</name>
    <message>
        <source>%1
Why may collection go on (e.g. checked by telephone)?</source>
        <translation>%1
为何可以继续采血（例如已电话核实）？</translation>
    </message>
    <message>
        <source>Regional check not done</source>
        <translation>区域核查未完成</translation>
    </message>
</context>
<context>
    <name>RegionalChecksDialog</name>
    <message>
        <source>%1 checks, %2 to acknowledge</source>
        <translation>共 %1 次核查，%2 次待确认</translation>
    </message>
    <message>
        <source>Acknowledge…</source>
        <translation>确认…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>DIN</source>
        <translation>献血条码</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>证件号码</translation>
    </message>
    <message>
        <source>NOT DONE - to acknowledge</source>
        <translation>未完成 — 待确认</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Regional checks today</source>
        <translation>今日区域核查</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>not done, acknowledged</source>
        <translation>未完成，已确认</translation>
    </message>
</context>
</TS>
