<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fa_IR" sourcelanguage="en">
<context>
    <name>LetterDetails</name>
    <message>
        <source>A paper letter; it has no electronic signature</source>
        <translation>نامهٔ کاغذی؛ امضای الکترونیکی ندارد</translation>
    </message>
    <message>
        <source>It has no electronic signature</source>
        <translation>امضای الکترونیکی ندارد</translation>
    </message>
    <message>
        <source>Signature:</source>
        <translation>امضا:</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="141"/>
        <source>Correct and resubmit</source>
        <translation>اصلاح و ارسال دوباره</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="197"/>
        <source>The server did not give a reason.</source>
        <translation>کارگزار دلیلی اعلام نکرده است.</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="198"/>
        <source>Returned by the server: %1</source>
        <translation>بازگشت از سوی کارگزار: %1</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="213"/>
        <source>Sender:</source>
        <translation>فرستنده:</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="216"/>
        <source>Recipients:</source>
        <translation>گیرندگان:</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="218"/>
        <source>Copies:</source>
        <translation>رونوشت:</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="219"/>
        <source>Priority:</source>
        <translation>فوریت:</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="220"/>
        <source>Classification:</source>
        <translation>طبقه‌بندی:</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="221"/>
        <source>Number (SHAMS):</source>
        <translation>شماره (شمس):</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="221"/>
        <source>Not numbered yet</source>
        <translation>هنوز شماره‌گذاری نشده است</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="223"/>
        <source>Registered on:</source>
        <translation>تاریخ ثبت:</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="224"/>
        <source>Server receipt:</source>
        <translation>رسید کارگزار:</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="227"/>
        <source>Signatures</source>
        <translation>امضاها</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="232"/>
        <source>Unknown signer</source>
        <translation>امضاکننده نامشخص</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="234"/>
        <source>national code %1</source>
        <translation>کد ملی %1</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="240"/>
        <source>Not signed yet.</source>
        <translation>هنوز امضا نشده است.</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="244"/>
        <source>Acknowledgements</source>
        <translation>وضعیت نزد گیرندگان</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="249"/>
        <source>Verification</source>
        <translation>بررسی اصالت</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="252"/>
        <source>Valid</source>
        <translation>معتبر</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="252"/>
        <source>Not verified</source>
        <translation>بررسی‌نشده</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="252"/>
        <source>Invalid</source>
        <translation>نامعتبر</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="259"/>
        <source>Received and verified</source>
        <translation>دریافت و تأیید شد</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="262"/>
        <source>Received but NOT valid</source>
        <translation>دریافت شد، اما معتبر نیست</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="267"/>
        <source>Received; not verified (no server certificate)</source>
        <translation>دریافت شد؛ به دلیل نبود گواهی کارگزار بررسی نشد</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="268"/>
        <source>None yet</source>
        <translation>هنوز دریافت نشده است</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="274"/>
        <source>Registered as incoming no. %1 on %2</source>
        <translation>ثبت شد به شماره وارده %1 — %2</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="276"/>
        <source>Delivered on %1</source>
        <translation>تحویل شد — %1</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_details.py" line="277"/>
        <source>Awaiting acknowledgement</source>
        <translation>در انتظار اعلام وصول</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../app/ui/login_dialog.py" line="50"/>
        <source>Log in to the server</source>
        <translation>ورود به کارگزار</translation>
    </message>
    <message>
        <location filename="../../app/ui/login_dialog.py" line="59"/>
        <source>System certificates</source>
        <translation>گواهی‌های سیستم‌عامل</translation>
    </message>
    <message>
        <location filename="../../app/ui/login_dialog.py" line="62"/>
        <source>Browse…</source>
        <translation>انتخاب…</translation>
    </message>
    <message>
        <location filename="../../app/ui/login_dialog.py" line="72"/>
        <source>Server address:</source>
        <translation>نشانی کارگزار:</translation>
    </message>
    <message>
        <location filename="../../app/ui/login_dialog.py" line="75"/>
        <source>Server CA certificate:</source>
        <translation>گواهی مرجع کارگزار:</translation>
    </message>
    <message>
        <location filename="../../app/ui/login_dialog.py" line="78"/>
        <source>Cancel</source>
        <translation>انصراف</translation>
    </message>
    <message>
        <location filename="../../app/ui/login_dialog.py" line="88"/>
        <source>Server CA certificate</source>
        <translation>گواهی مرجع کارگزار</translation>
    </message>
    <message>
        <location filename="../../app/ui/login_dialog.py" line="89"/>
        <source>Certificates (*.pem *.crt *.cer)</source>
        <translation>گواهی‌ها (*.pem *.crt *.cer)</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../app/ui/main_window.py" line="1"/>
        <source>Not logged in</source>
        <translation>وارد نشده‌اید</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="1"/>
        <source>Last successful sync: %1</source>
        <translation>آخرین همگام‌سازی موفق: %1</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="1"/>
        <source>Synchronized with the server.</source>
        <translation>همگام‌سازی با کارگزار انجام شد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="100"/>
        <location filename="../../app/ui/main_window.py" line="159"/>
        <source>Letters</source>
        <translation>نامه‌ها</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="110"/>
        <location filename="../../app/ui/main_window.py" line="341"/>
        <source>Not connected to the server</source>
        <translation>متصل به کارگزار نیست</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="152"/>
        <source>&amp;Letter</source>
        <translation>&amp;نامه</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="156"/>
        <source>&amp;Server</source>
        <translation>&amp;کارگزار</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="250"/>
        <source>&amp;Rasad</source>
        <translation>&amp;رصد</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="251"/>
        <source>Reports…</source>
        <translation>گزارش‌ها…</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="256"/>
        <source>Agency administration…</source>
        <translation>مدیریت سازمان…</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="225"/>
        <source>Returned by the server: %1</source>
        <translation>بازگشت از سوی کارگزار: %1</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="287"/>
        <source>The letter was sent for signature.</source>
        <translation>نامه برای امضا فرستاده شد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="310"/>
        <source>The letter could not be sent for signature.</source>
        <translation>ارسال نامه برای امضا انجام نشد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="314"/>
        <source>Log in to the server first (Server menu).</source>
        <translation>ابتدا از منوی «کارگزار» وارد شوید.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="324"/>
        <source>Logged in to the server.</source>
        <translation>ورود به کارگزار انجام شد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="335"/>
        <source>Synchronizing…</source>
        <translation>در حال همگام‌سازی…</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="337"/>
        <source>Online</source>
        <translation>برخط</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="339"/>
        <source>Offline</source>
        <translation>برون‌خط</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="346"/>
        <source>Queue: %1</source>
        <translation>صف ارسال: %1</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="360"/>
        <source>The letter “%1” was returned by the server: %2</source>
        <translation>نامه «%1» از سوی کارگزار بازگشت داده شد: %2</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="361"/>
        <source>Letter returned</source>
        <translation>بازگشت نامه</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="365"/>
        <source>The letter “%1” was registered by the recipient.</source>
        <translation>نامه «%1» نزد گیرنده ثبت شد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="366"/>
        <source>The letter “%1” was delivered to the recipient.</source>
        <translation>نامه «%1» به گیرنده تحویل شد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="367"/>
        <source>Letter delivered</source>
        <translation>تحویل نامه</translation>
    </message>
</context>
<context>
    <name>OutboxPanel</name>
    <message>
        <location filename="../../app/ui/outbox_panel.py" line="31"/>
        <source>Subject</source>
        <translation>موضوع</translation>
    </message>
    <message>
        <location filename="../../app/ui/outbox_panel.py" line="31"/>
        <source>Progress</source>
        <translation>پیشرفت ارسال</translation>
    </message>
    <message>
        <location filename="../../app/ui/outbox_panel.py" line="31"/>
        <source>Number (SHAMS)</source>
        <translation>شماره (شمس)</translation>
    </message>
    <message>
        <location filename="../../app/ui/outbox_panel.py" line="32"/>
        <source>Last error</source>
        <translation>آخرین خطا</translation>
    </message>
    <message>
        <location filename="../../app/ui/outbox_panel.py" line="52"/>
        <source>Signed, not queued</source>
        <translation>امضاشده، هنوز در صف نیست</translation>
    </message>
    <message>
        <location filename="../../app/ui/outbox_panel.py" line="53"/>
        <source>Queued, waiting for a number</source>
        <translation>در صف، در انتظار شماره</translation>
    </message>
    <message>
        <location filename="../../app/ui/outbox_panel.py" line="54"/>
        <source>Numbered, being sent</source>
        <translation>شماره‌گذاری‌شده، در حال ارسال</translation>
    </message>
    <message>
        <location filename="../../app/ui/outbox_panel.py" line="55"/>
        <source>Sent</source>
        <translation>ارسال‌شده</translation>
    </message>
    <message>
        <location filename="../../app/ui/outbox_panel.py" line="56"/>
        <source>Refused by the server</source>
        <translation>ردشده از سوی کارگزار</translation>
    </message>
    <message>
        <location filename="../../app/ui/outbox_panel.py" line="59"/>
        <source>attempt %1</source>
        <translation>تلاش %1</translation>
    </message>
    <message>
        <location filename="../../app/ui/outbox_panel.py" line="61"/>
        <source>at %1</source>
        <translation>در ساعت %1</translation>
    </message>
    <message>
        <location filename="../../app/ui/outbox_panel.py" line="69"/>
        <source>The server refused the letter</source>
        <translation>کارگزار نامه را نپذیرفت</translation>
    </message>
    <message>
        <location filename="../../app/ui/outbox_panel.py" line="70"/>
        <source>The server could not be reached; retrying automatically</source>
        <translation>ارتباط با کارگزار برقرار نشد؛ تلاش دوباره خودکار است</translation>
    </message>
</context>
<context>
    <name>PdfSignDialog</name>
    <message>
        <location filename="../../app/ui/pdf_sign_dialog.py" line="38"/>
        <source>Sign the PDF</source>
        <translation>امضای پرونده PDF</translation>
    </message>
    <message>
        <location filename="../../app/ui/pdf_sign_dialog.py" line="43"/>
        <source>The PDF of the letter “{0}” will be signed with your signature certificate.</source>
        <translation>پرونده PDF نامه «{0}» با گواهی امضای شما امضا می‌شود.</translation>
    </message>
    <message>
        <location filename="../../app/ui/pdf_sign_dialog.py" line="53"/>
        <source>The signed PDF was saved.</source>
        <translation>پرونده PDF امضاشده ذخیره شد.</translation>
    </message>
</context>
<context>
    <name>WorkflowActions</name>
    <message>
        <source>signed</source>
        <translation>امضاشده</translation>
    </message>
    <message>
        <source>incoming</source>
        <translation>وارده</translation>
    </message>
    <message>
        <source>provisional</source>
        <translation>موقت</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="73"/>
        <source>New outgoing letter</source>
        <translation>نامه صادره جدید</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="75"/>
        <source>New internal letter</source>
        <translation>نامه داخلی جدید</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="77"/>
        <source>Open</source>
        <translation>گشودن</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="78"/>
        <source>Sign</source>
        <translation>امضا</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="79"/>
        <source>Synchronize</source>
        <translation>همگام‌سازی</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="80"/>
        <location filename="../../app/ui/workflow_actions.py" line="166"/>
        <source>Print</source>
        <translation>چاپ</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="81"/>
        <location filename="../../app/ui/workflow_actions.py" line="196"/>
        <source>Export PDF</source>
        <translation>خروجی PDF</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="82"/>
        <location filename="../../app/ui/workflow_actions.py" line="216"/>
        <source>Export signed PDF</source>
        <translation>خروجی PDF امضاشده</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="84"/>
        <source>Log in to the server</source>
        <translation>ورود به کارگزار</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="108"/>
        <source>Select the letters to sign in the “Awaiting signature” folder.</source>
        <translation>لطفاً نامه‌های موردنظر را در پوشه «در انتظار امضا» انتخاب کنید.</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="120"/>
        <source>None of the selected letters is awaiting signature any more.</source>
        <translation>هیچ‌یک از نامه‌های انتخاب‌شده دیگر در انتظار امضا نیست.</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="145"/>
        <source>%1 signed letters were queued for sending.</source>
        <translation>%1 نامه امضاشده در صف ارسال قرار گرفت.</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="149"/>
        <source>Signature not stored</source>
        <translation>امضا ثبت نشد</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="150"/>
        <source>These letters changed after they were prepared for signing and were left unchanged: %1. %2</source>
        <translation>این نامه‌ها پس از آماده‌شدن برای امضا تغییر کرده‌اند و بدون تغییر باقی ماندند: %1. %2</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="156"/>
        <source>Signing token</source>
        <translation>توکن امضا</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="159"/>
        <source>Error</source>
        <translation>خطا</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="160"/>
        <source>An unexpected error occurred; the details were written to the log.</source>
        <translation>خطای پیش‌بینی‌نشده‌ای رخ داد؛ جزئیات در گزارش برنامه ثبت شد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="166"/>
        <source>The server address is not set; log in to the server first.</source>
        <translation>نشانی کارگزار تعیین نشده است؛ لطفاً ابتدا وارد کارگزار شوید.</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="186"/>
        <source>PDF files (*.pdf)</source>
        <translation>پرونده‌های PDF (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="206"/>
        <source>Writing the PDF…</source>
        <translation>در حال ساخت پرونده PDF…</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="210"/>
        <source>The PDF was saved: %1</source>
        <translation>پرونده PDF ذخیره شد: %1</translation>
    </message>
    <message>
        <location filename="../../app/ui/workflow_actions.py" line="241"/>
        <source>Official letter signature</source>
        <translation>امضای نامه اداری</translation>
    </message>
</context>
<context>
    <name>SyncBridge</name>
    <message>
        <location filename="../../app/ui/sync_bridge.py" line="1"/>
        <source>Your session on the server has ended; please log in again from the Server menu.</source>
        <translation>نشست شما در کارگزار پایان یافته است؛ لطفاً از منوی «کارگزار» دوباره وارد شوید.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sync_bridge.py" line="1"/>
        <source>The server could not be reached; the letters wait in the outbox and are sent automatically once it can be reached.</source>
        <translation>ارتباط با کارگزار برقرار نشد؛ نامه‌ها در صندوق خروجی می‌مانند و پس از برقراری ارتباط، خودکار فرستاده می‌شوند.</translation>
    </message>
</context>
</TS>
