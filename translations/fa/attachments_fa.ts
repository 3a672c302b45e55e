<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fa_IR" sourcelanguage="en">
<context>
    <name>AttachmentsEditor</name>
    <message>
        <source>Attach…</source>
        <translation>پیوست…</translation>
    </message>
    <message>
        <source>Attach a file (or drop files on the letter)</source>
        <translation>پیوست کردن پرونده (یا رها کردن پرونده‌ها روی نامه)</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>حذف</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>پیوست کردن پرونده‌ها</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>همهٔ پرونده‌ها (*)</translation>
    </message>
    <message>
        <source>Copying «%1»</source>
        <translation>در حال افزودن «%1»</translation>
    </message>
    <message>
        <source>The file could not be attached.</source>
        <translation>پرونده پیوست نشد.</translation>
    </message>
</context>
<context>
    <name>AttachmentsViewer</name>
    <message>
        <source>Open</source>
        <translation>باز کردن</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>ذخیره در…</translation>
    </message>
    <message>
        <source>Attachments:</source>
        <translation>پیوست‌ها:</translation>
    </message>
    <message>
        <source>not downloaded yet</source>
        <translation>هنوز دریافت نشده</translation>
    </message>
    <message>
        <source>Save the attachment</source>
        <translation>ذخیرهٔ پیوست</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>همهٔ پرونده‌ها (*)</translation>
    </message>
    <message>
        <source>Downloading «%1»: %2 of %3</source>
        <translation>دریافت «%1»: %2 از %3</translation>
    </message>
    <message>
        <source>Saved as «%1».</source>
        <translation>پیوست در «%1» ذخیره شد.</translation>
    </message>
    <message>
        <source>The file received does not match the hash recorded in the letter; it is not opened.</source>
        <translation>پرونده دریافت‌شده با چکیده ثبت‌شده در نامه مطابقت ندارد؛ پرونده باز نمی‌شود.</translation>
    </message>
    <message>
        <source>The file received does not match the hash recorded in the letter; it is not saved.</source>
        <translation>پرونده دریافت‌شده با چکیده ثبت‌شده در نامه مطابقت ندارد؛ پرونده ذخیره نمی‌شود.</translation>
    </message>
    <message>
        <source>The attachment could not be downloaded; try again when the server can be reached.</source>
        <translation>پیوست دریافت نشد؛ هنگامی که ارتباط با کارگزار برقرار است دوباره تلاش کنید.</translation>
    </message>
    <message>
        <source>No program on this computer opens «%1»; save a copy with «Save as…» and open it with a suitable program.</source>
        <translation>برنامه‌ای برای باز کردن «%1» روی این رایانه نصب نیست؛ با «ذخیره در…» نسخه‌ای از آن را ذخیره کنید و با برنامهٔ مناسب باز کنید.</translation>
    </message>
</context>
<context>
    <name>LetterEditor</name>
    <message>
        <source>Attachments:</source>
        <translation>پیوست‌ها:</translation>
    </message>
</context>
<context>
    <name>UploadProgress</name>
    <message>
        <source>%1 seconds left</source>
        <translation>%1 ثانیه مانده</translation>
    </message>
    <message>
        <source>%1 minutes left</source>
        <translation>%1 دقیقه مانده</translation>
    </message>
    <message>
        <source>%1 hours left</source>
        <translation>%1 ساعت مانده</translation>
    </message>
    <message>
        <source>Uploading «%1»: %2 of %3</source>
        <translation>بارگذاری «%1»: %2 از %3</translation>
    </message>
    <message>
        <source>Uploading «%1»</source>
        <translation>بارگذاری «%1»</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 از %2</translation>
    </message>
    <message>
        <source>%1 per second</source>
        <translation>%1 در ثانیه</translation>
    </message>
</context>
<context>
    <name>OutboxPanel</name>
    <message>
        <source>Uploading attachments %1٪</source>
        <translation>بارگذاری پیوست‌ها %1٪</translation>
    </message>
</context>
</TS>
