<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fa_IR" sourcelanguage="en">
<context>
    <name>SignDialog</name>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="1"/>
        <source>The token's PIN is locked; ask the IT officer to unblock it. Signing is not possible.</source>
        <translation>گذرواژه توکن قفل شده است و امضا ممکن نیست؛ برای بازگشایی با مسئول فناوری اطلاعات تماس بگیرید.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="1"/>
        <source>Tries left: 1. One more wrong PIN locks the token.</source>
        <translation>فرصت باقی‌مانده: ۱؛ با یک گذرواژه نادرست دیگر، توکن قفل می‌شود.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="1"/>
        <source>A wrong PIN was entered before; type it with care.</source>
        <translation>پیش‌تر گذرواژه نادرست وارد شده است؛ با دقت وارد کنید.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="77"/>
        <source>Sign letters</source>
        <extracomment>What runs on the worker once logged in: (session, op context, cancel flag) -&gt; result.</extracomment>
        <translation>امضای نامه</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="92"/>
        <source>Token password (PIN)</source>
        <translation>گذرواژه توکن (PIN)</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="107"/>
        <source>Token:</source>
        <translation>توکن:</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="109"/>
        <source>Signing certificate:</source>
        <translation>گواهی امضا:</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="111"/>
        <source>Password:</source>
        <translation>گذرواژه:</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="115"/>
        <source>Sign</source>
        <translation>امضا</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="117"/>
        <location filename="../../app/ui/sign_dialog.py" line="227"/>
        <source>Cancel</source>
        <translation>انصراف</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="144"/>
        <source>The letter “{0}” will be signed with your electronic signature certificate.</source>
        <translation>نامه «{0}» با گواهی امضای الکترونیکی شما امضا می‌شود.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="145"/>
        <source>{0} letters will be signed with a single PIN entry.</source>
        <translation>{0} نامه با یک بار ورود گذرواژه امضا می‌شود.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="159"/>
        <source>No token is connected; please connect your signing token.</source>
        <translation>توکنی به رایانه وصل نیست؛ لطفاً توکن امضا را وصل کنید.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="161"/>
        <source>Token “{0}” is ready.</source>
        <translation>توکن «{0}» آماده است.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="163"/>
        <source>{0} tokens are connected.</source>
        <translation>{0} توکن به رایانه وصل است.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="176"/>
        <source>Enter the PIN on the card reader’s keypad.</source>
        <translation>گذرواژه را روی صفحه‌کلید کارت‌خوان وارد کنید.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="204"/>
        <source>non-repudiation</source>
        <translation>عدم انکار</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="204"/>
        <source>digital signature</source>
        <translation>امضای دیجیتال</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="208"/>
        <source>No signing certificate was found on this token.</source>
        <translation>روی این توکن گواهی امضا یافت نشد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="216"/>
        <source>Issuer: {0}</source>
        <translation>صادرکننده: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="217"/>
        <source>Valid from {0} to {1}</source>
        <translation>اعتبار: از {0} تا {1}</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="220"/>
        <source>National code: {0}</source>
        <translation>کد ملی: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="227"/>
        <source>Stop signing</source>
        <translation>توقف امضا</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="239"/>
        <source>Please enter the token PIN.</source>
        <translation>لطفاً گذرواژه توکن را وارد کنید.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="244"/>
        <source>Logging in to the token…</source>
        <translation>در حال ورود به توکن…</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="269"/>
        <source>{0} of {1} letters</source>
        <translation>{0} از {1} نامه</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="273"/>
        <source>{0} of {1} letters signed.</source>
        <translation>{0} نامه از {1} نامه امضا شد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="292"/>
        <source>Signing stopped at your request; {0} letters were signed and {1} were left unchanged.</source>
        <translation>امضا به درخواست شما متوقف شد؛ {0} نامه امضا شد و {1} نامه بدون تغییر ماند.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="295"/>
        <source>{0} letters were signed successfully.</source>
        <translation>امضای {0} نامه با موفقیت انجام شد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="312"/>
        <source>An unexpected error occurred; the details were written to the application log.</source>
        <translation>خطای پیش‌بینی‌نشده‌ای رخ داد؛ جزئیات در گزارش برنامه ثبت شد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_dialog.py" line="317"/>
        <source>Stopping; the letter being signed will be completed first…</source>
        <translation>در حال توقف؛ نامه در حال امضا تکمیل می‌شود…</translation>
    </message>
</context>
</TS>
