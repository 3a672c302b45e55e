<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fa_IR" sourcelanguage="en">
<context>
    <name>AboutDialog</name>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/about_dialog.py" line="48"/>
        <source>About Dabir</source>
        <translation>دربارهٔ دبیر</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/about_dialog.py" line="50"/>
        <source>Dabir — secretariat of official letters</source>
        <translation>دبیر — دبیرخانهٔ نامه‌های اداری</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/about_dialog.py" line="59"/>
        <source>Open folder</source>
        <translation>گشودن پوشه</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/about_dialog.py" line="66"/>
        <source>%1, licence: %2</source>
        <translation>%1، پروانه: %2</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/about_dialog.py" line="68"/>
        <source>None</source>
        <translation>ندارد</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/about_dialog.py" line="72"/>
        <source>Version:</source>
        <translation>نسخه:</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/about_dialog.py" line="73"/>
        <source>Qt:</source>
        <translation>کیوت (Qt):</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/about_dialog.py" line="74"/>
        <source>Data folder:</source>
        <translation>پوشهٔ داده‌ها:</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/about_dialog.py" line="75"/>
        <source>Font:</source>
        <translation>قلم:</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/about_dialog.py" line="76"/>
        <source>Administrator&apos;s settings file:</source>
        <translation>پروندهٔ تنظیمات مدیر سامانه:</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/about_dialog.py" line="84"/>
        <source>Close</source>
        <translation>بستن</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/about_dialog.py" line="89"/>
        <source>The font&apos;s licence:</source>
        <translation>پروانهٔ قلم:</translation>
    </message>
    <message>
        <source>This file is not valid and is not in use.</source>
        <translation>این پرونده نادرست است و به کار گرفته نشده است.</translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="202"/>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="271"/>
        <source>Setting up Dabir</source>
        <translation>راه‌اندازی دبیر</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="206"/>
        <source>Work offline</source>
        <translation>کار بدون اتصال</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="207"/>
        <source>Next</source>
        <translation>بعدی</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="208"/>
        <source>Back</source>
        <translation>قبلی</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="209"/>
        <source>Finish</source>
        <translation>پایان</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="210"/>
        <source>Cancel</source>
        <translation>انصراف</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="272"/>
        <source>The settings could not be saved.</source>
        <translation>تنظیمات ذخیره نشد.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="297"/>
        <source>Dabir</source>
        <translation>دبیر</translation>
    </message>
</context>
<context>
    <name>LoginForm</name>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/login_form.py" line="40"/>
        <source>Log in</source>
        <extracomment>Where to log in: () -&gt; (server address, CA bundle or None), asked when the user logs in.</extracomment>
        <translation>ورود</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/login_form.py" line="48"/>
        <source>Username:</source>
        <translation>نام کاربری:</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/login_form.py" line="49"/>
        <source>Password:</source>
        <translation>گذرواژه:</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/login_form.py" line="68"/>
        <source>Please enter the server address, your username and your password.</source>
        <translation>لطفاً نشانی کارگزار، نام کاربری و گذرواژه را وارد کنید.</translation>
    </message>
    <message>
        <source>Please enter your username and your password.</source>
        <translation>لطفاً نام کاربری و گذرواژه را وارد کنید.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/login_form.py" line="77"/>
        <source>Logging in…</source>
        <translation>در حال ورود…</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/login_form.py" line="88"/>
        <source>Logged in.</source>
        <translation>وارد شدید.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/login_form.py" line="95"/>
        <source>The server refused the login.</source>
        <translation>کارگزار ورود را نپذیرفت.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/login_form.py" line="97"/>
        <source>The server could not be reached.</source>
        <translation>دسترسی به کارگزار ممکن نشد.</translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="84"/>
        <source>Log in</source>
        <translation>ورود</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="85"/>
        <source>Log in with the username and password your agency gave you. The password is not kept on this computer.</source>
        <translation>با نام کاربری و گذرواژه‌ای که سازمان به شما داده است وارد شوید. گذرواژه روی این رایانه نگه داشته نمی‌شود.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="111"/>
        <source>Server: %1</source>
        <translation>کارگزار: %1</translation>
    </message>
</context>
<context>
    <name>ServerCheck</name>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="33"/>
        <source>System certificates</source>
        <translation>گواهی‌های سیستم‌عامل</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="38"/>
        <source>Choose file…</source>
        <translation>انتخاب پرونده…</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="41"/>
        <source>Check the connection</source>
        <translation>بررسی اتصال</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="49"/>
        <source>Server address:</source>
        <translation>نشانی کارگزار:</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="50"/>
        <source>Agency CA certificate:</source>
        <translation>گواهی مرجع سازمان:</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="52"/>
        <source>Set by the system administrator for this computer.</source>
        <translation>این مورد را مدیر سامانه برای این رایانه تعیین کرده است.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="67"/>
        <source>Issued to:</source>
        <translation>صادرشده برای:</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="67"/>
        <source>Organization:</source>
        <translation>سازمان:</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="68"/>
        <source>Issued by:</source>
        <translation>صادرکننده:</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="68"/>
        <source>Valid:</source>
        <translation>اعتبار:</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="69"/>
        <source>SHA-256 fingerprint:</source>
        <translation>اثر انگشت SHA-256:</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="69"/>
        <source>Trusted:</source>
        <translation>مورد اعتماد:</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="101"/>
        <source>Agency CA certificate</source>
        <translation>گواهی مرجع سازمان</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="101"/>
        <source>Certificates (*.pem *.crt *.cer)</source>
        <translation>گواهی‌ها (*.pem *.crt *.cer)</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="113"/>
        <source>Checking the connection…</source>
        <translation>در حال بررسی اتصال…</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="129"/>
        <source>The connection could not be checked.</source>
        <translation>بررسی اتصال ممکن نشد.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="135"/>
        <source>Not connected: %1</source>
        <translation>اتصال برقرار نشد: %1</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="142"/>
        <source>from %1 to %2</source>
        <translation>از %1 تا %2</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="145"/>
        <source>Yes</source>
        <translation>بله</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/server_check.py" line="145"/>
        <source>No</source>
        <translation>خیر</translation>
    </message>
</context>
<context>
    <name>ServerPage</name>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="65"/>
        <source>Server</source>
        <translation>کارگزار</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="66"/>
        <source>Enter the address of your agency&apos;s Dabir server and check the connection.</source>
        <translation>نشانی کارگزار دبیر سازمان خود را وارد کنید و اتصال را بررسی کنید.</translation>
    </message>
</context>
<context>
    <name>SettingsActions</name>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_actions.py" line="20"/>
        <source>Settings…</source>
        <translation>تنظیمات…</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_actions.py" line="24"/>
        <source>About Dabir</source>
        <translation>دربارهٔ دبیر</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_actions.py" line="27"/>
        <source>&amp;Tools</source>
        <translation>&amp;ابزار</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_actions.py" line="28"/>
        <source>&amp;Help</source>
        <translation>&amp;راهنما</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="64"/>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="132"/>
        <source>Settings</source>
        <translation>تنظیمات</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="67"/>
        <source>Server</source>
        <translation>کارگزار</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="68"/>
        <source>Signing token</source>
        <translation>توکن امضا</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="69"/>
        <source>Trust roots</source>
        <translation>ریشه‌های اعتماد</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="70"/>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="255"/>
        <source>PDF folder</source>
        <translation>پوشهٔ PDF</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="72"/>
        <source>Close</source>
        <translation>بستن</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="103"/>
        <source>Use this token software</source>
        <translation>به‌کارگیری این نرم‌افزار توکن</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="123"/>
        <source>Saved: letters are signed with this token software.</source>
        <translation>ذخیره شد؛ نامه‌ها با این نرم‌افزار توکن امضا می‌شوند.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="138"/>
        <source>Certificate authorities this computer trusts for letters, besides those the server publishes for the agency.</source>
        <translation>مراجع صدور گواهی که این رایانه افزون بر مراجع اعلام‌شدهٔ کارگزار برای نامه‌ها معتبر می‌داند.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="143"/>
        <source>Subject</source>
        <translation>دارنده</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="143"/>
        <source>Issuer</source>
        <translation>صادرکننده</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="143"/>
        <source>Valid until</source>
        <translation>معتبر تا</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="144"/>
        <source>SHA-256 fingerprint</source>
        <translation>اثر انگشت SHA-256</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="151"/>
        <source>Add certificate…</source>
        <translation>افزودن گواهی…</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="154"/>
        <source>Remove</source>
        <translation>حذف</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="189"/>
        <source>Add certificate</source>
        <translation>افزودن گواهی</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="189"/>
        <source>Certificates (*.pem *.crt *.cer *.der)</source>
        <translation>گواهی‌ها (*.pem *.crt *.cer *.der)</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="196"/>
        <source>Added: %1</source>
        <translation>افزوده شد: %1</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="207"/>
        <source>Select the certificate to remove.</source>
        <translation>گواهی مورد نظر برای حذف را انتخاب کنید.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="210"/>
        <source>Remove trust root</source>
        <translation>حذف ریشهٔ اعتماد</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="211"/>
        <source>Stop trusting «%1»? Letters signed under it will no longer be accepted as valid.</source>
        <translation>آیا «%1» دیگر مورد اعتماد نباشد؟ نامه‌هایی که زیر این مرجع امضا شده‌اند دیگر معتبر شناخته نمی‌شوند.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="224"/>
        <source>Removed.</source>
        <translation>حذف شد.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="235"/>
        <source>Choose folder…</source>
        <translation>انتخاب پوشه…</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="243"/>
        <source>Saved letters (PDF) are offered in this folder first.</source>
        <translation>نامه‌های ذخیره‌شده (PDF) نخست در این پوشه پیشنهاد می‌شوند.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="249"/>
        <source>Set by the system administrator for this computer.</source>
        <translation>این مورد را مدیر سامانه برای این رایانه تعیین کرده است.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/settings_dialog.py" line="266"/>
        <source>Saved: %1</source>
        <translation>ذخیره شد: %1</translation>
    </message>
</context>
<context>
    <name>SummaryPage</name>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="168"/>
        <source>Ready</source>
        <translation>آماده</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="169"/>
        <source>Dabir is set up. These settings can be changed later in Settings.</source>
        <translation>دبیر راه‌اندازی شد. این تنظیمات را بعداً از «تنظیمات» می‌توانید تغییر دهید.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="174"/>
        <source>Server:</source>
        <translation>کارگزار:</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="175"/>
        <source>Logged in as:</source>
        <translation>واردشده با حساب:</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="176"/>
        <source>Token software:</source>
        <translation>نرم‌افزار توکن:</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="186"/>
        <source>Not chosen yet (Settings, later)</source>
        <translation>هنوز انتخاب نشده است (بعداً از «تنظیمات»)</translation>
    </message>
</context>
<context>
    <name>TokenModulePicker</name>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/token_module_picker.py" line="40"/>
        <source>Choose file…</source>
        <translation>انتخاب پرونده…</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/token_module_picker.py" line="42"/>
        <source>Test with the token</source>
        <translation>آزمایش با توکن</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/token_module_picker.py" line="62"/>
        <source>Token software (PKCS#11 module):</source>
        <translation>نرم‌افزار توکن (کتابخانهٔ PKCS#11):</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/token_module_picker.py" line="66"/>
        <source>Set by the system administrator for this computer.</source>
        <translation>این مورد را مدیر سامانه برای این رایانه تعیین کرده است.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/token_module_picker.py" line="68"/>
        <source>No token software was found on this computer; choose its file, or ask the IT officer to install it.</source>
        <translation>نرم‌افزار توکن روی این رایانه یافت نشد؛ پروندهٔ آن را انتخاب کنید یا از مسئول فناوری اطلاعات بخواهید آن را نصب کند.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/token_module_picker.py" line="99"/>
        <source>Token software</source>
        <translation>نرم‌افزار توکن</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/token_module_picker.py" line="99"/>
        <source>PKCS#11 modules (*.so *.so.* *.dll *.dylib)</source>
        <translation>کتابخانه‌های PKCS#11 (*.so *.so.* *.dll *.dylib)</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/token_module_picker.py" line="107"/>
        <source>Choose the token software first.</source>
        <translation>ابتدا نرم‌افزار توکن را انتخاب کنید.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/token_module_picker.py" line="110"/>
        <source>Loading the token software…</source>
        <translation>در حال بارگذاری نرم‌افزار توکن…</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/token_module_picker.py" line="120"/>
        <source>The token software could not be loaded.</source>
        <translation>نرم‌افزار توکن بارگذاری نشد.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/token_module_picker.py" line="131"/>
        <source>The token software works, but no token is inserted. Insert your token and test again.</source>
        <translation>نرم‌افزار توکن کار می‌کند، اما هیچ توکنی به رایانه وصل نیست. توکن خود را وصل کنید و دوباره آزمایش کنید.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/token_module_picker.py" line="145"/>
        <source>no signing certificate</source>
        <translation>بدون گواهی امضا</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/token_module_picker.py" line="146"/>
        <source>Token «%1» (serial %2): %3</source>
        <translation>توکن «%1» (شمارهٔ سریال %2): %3</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/token_module_picker.py" line="148"/>
        <source>The token software works. Tokens inserted:</source>
        <translation>نرم‌افزار توکن کار می‌کند. توکن‌های وصل‌شده:</translation>
    </message>
</context>
<context>
    <name>TokenPage</name>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="134"/>
        <source>Signing token</source>
        <translation>توکن امضا</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="135"/>
        <source>Choose the software of your signing token and test it with the token inserted. Staff who do not sign can skip this step.</source>
        <translation>نرم‌افزار توکن امضای خود را انتخاب کنید و با توکن وصل‌شده آزمایش کنید. همکارانی که امضا نمی‌کنند می‌توانند این مرحله را رد کنند.</translation>
    </message>
    <message>
        <location filename="../../work/wt-firstrun/app/ui/first_run.py" line="141"/>
        <source>Later</source>
        <translation>بعداً</translation>
    </message>
</context>
</TS>
