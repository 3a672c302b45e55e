<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fa_IR" sourcelanguage="en">
<context>
    <name>IncomingActions</name>
    <message>
        <source>Register as incoming</source>
        <translation>ثبت وارده</translation>
    </message>
    <message>
        <source>Register the received letter with this agency's incoming number</source>
        <translation>ثبت نامهٔ دریافت‌شده با شمارهٔ واردهٔ این سازمان</translation>
    </message>
    <message>
        <source>Register a paper letter</source>
        <translation>ثبت نامه وارده (کاغذی)</translation>
    </message>
    <message>
        <source>The letter was registered; its incoming number comes with the next sync.</source>
        <translation>نامه ثبت شد؛ شمارهٔ وارده در همگام‌سازی بعدی دریافت می‌شود.</translation>
    </message>
    <message>
        <source>The letter could not be registered.</source>
        <translation>ثبت نامه ممکن نشد.</translation>
    </message>
</context>
<context>
    <name>PaperIncomingDialog</name>
    <message>
        <source>Register a paper letter</source>
        <translation>ثبت نامه وارده (کاغذی)</translation>
    </message>
    <message>
        <source>An agency from the directory</source>
        <translation>سازمان (از فهرست دستگاه‌ها)</translation>
    </message>
    <message>
        <source>A person</source>
        <translation>شخص حقیقی</translation>
    </message>
    <message>
        <source>A company or institution</source>
        <translation>شخص حقوقی</translation>
    </message>
    <message>
        <source>Add scanned pages or files…</source>
        <translation>افزودن صفحه‌های پویش‌شده یا پرونده‌ها…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>حذف</translation>
    </message>
    <message>
        <source>Pages and files stay on this computer until attachments are uploaded.</source>
        <translation>صفحه‌ها و پرونده‌ها تا بارگذاری پیوست‌ها فقط روی همین رایانه نگه داشته می‌شوند.</translation>
    </message>
    <message>
        <source>Sender:</source>
        <translation>فرستنده:</translation>
    </message>
    <message>
        <source>Agency:</source>
        <translation>سازمان:</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>نام:</translation>
    </message>
    <message>
        <source>Sender's letter number:</source>
        <translation>شمارهٔ نامهٔ فرستنده:</translation>
    </message>
    <message>
        <source>Sender's letter date:</source>
        <translation>تاریخ نامهٔ فرستنده:</translation>
    </message>
    <message>
        <source>Subject:</source>
        <translation>موضوع:</translation>
    </message>
    <message>
        <source>Summary:</source>
        <translation>خلاصه:</translation>
    </message>
    <message>
        <source>Priority:</source>
        <translation>فوریت:</translation>
    </message>
    <message>
        <source>Classification:</source>
        <translation>طبقه‌بندی:</translation>
    </message>
    <message>
        <source>Pages and files</source>
        <translation>صفحه‌ها و پرونده‌ها</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>ثبت</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>انصراف</translation>
    </message>
    <message>
        <source>National code:</source>
        <translation>کد ملی:</translation>
    </message>
    <message>
        <source>National id:</source>
        <translation>شناسه ملی:</translation>
    </message>
    <message>
        <source>Scanned pages or files</source>
        <translation>صفحه‌های پویش‌شده یا پرونده‌ها</translation>
    </message>
    <message>
        <source>Scanned pages and documents (*.png *.jpg *.jpeg *.tif *.tiff *.pdf *.doc *.docx *.xls *.xlsx *.ppt *.pptx *.mp4 *.txt *.zip)</source>
        <translation>صفحه‌های پویش‌شده و اسناد (*.png *.jpg *.jpeg *.tif *.tiff *.pdf *.doc *.docx *.xls *.xlsx *.ppt *.pptx *.mp4 *.txt *.zip)</translation>
    </message>
    <message>
        <source>The chosen files could not be read.</source>
        <translation>پرونده‌های برگزیده خوانده نشدند.</translation>
    </message>
    <message>
        <source>The letter could not be registered.</source>
        <translation>ثبت نامه ممکن نشد.</translation>
    </message>
    <message>
        <source>The sender</source>
        <translation>مشخصات فرستنده</translation>
    </message>
    <message>
        <source>The letter</source>
        <translation>مشخصات نامه</translation>
    </message>
    <message>
        <source>Choose the channel</source>
        <translation>مجرای دریافت را برگزینید</translation>
    </message>
    <message>
        <source>Received through:</source>
        <translation>مجرای دریافت:</translation>
    </message>
    <message>
        <source>Mobile:</source>
        <translation>شماره تلفن همراه:</translation>
    </message>
    <message>
        <source>Postal code:</source>
        <translation>کد پستی:</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>نشانی:</translation>
    </message>
    <message>
        <source>The address is longer than %1 characters.</source>
        <translation>نشانی از %1 نویسه بیشتر است.</translation>
    </message>
    <message>
        <source>Choose the channel the letter came through.</source>
        <translation>مجرای دریافت نامه را برگزینید.</translation>
    </message>
</context>
<context>
    <name>IncomingDetails</name>
    <message>
        <source>Summary</source>
        <translation>خلاصه</translation>
    </message>
    <message>
        <source>Subject:</source>
        <translation>موضوع:</translation>
    </message>
    <message>
        <source>Sender:</source>
        <translation>فرستنده:</translation>
    </message>
    <message>
        <source>Registration sheet of an incoming letter</source>
        <translation>برگ ثبت نامهٔ وارده</translation>
    </message>
    <message>
        <source>Registration sheet of an incoming paper letter</source>
        <translation>برگ ثبت نامهٔ واردهٔ کاغذی</translation>
    </message>
    <message>
        <source>Incoming number:</source>
        <translation>شمارهٔ وارده:</translation>
    </message>
    <message>
        <source>Provisional — numbered at the next sync</source>
        <translation>موقت — شماره در همگام‌سازی بعدی داده می‌شود</translation>
    </message>
    <message>
        <source>Registered here on:</source>
        <translation>تاریخ ثبت وارده:</translation>
    </message>
    <message>
        <source>Received:</source>
        <translation>نحوهٔ دریافت:</translation>
    </message>
    <message>
        <source>On paper (by post or by hand)</source>
        <translation>کاغذی (پست یا تحویل دستی)</translation>
    </message>
    <message>
        <source>National code:</source>
        <translation>کد ملی:</translation>
    </message>
    <message>
        <source>National id:</source>
        <translation>شناسه ملی:</translation>
    </message>
    <message>
        <source>Sender's letter number:</source>
        <translation>شمارهٔ نامهٔ فرستنده:</translation>
    </message>
    <message>
        <source>Sender's letter date:</source>
        <translation>تاریخ نامهٔ فرستنده:</translation>
    </message>
    <message>
        <source>Scanned pages:</source>
        <translation>صفحه‌های پویش‌شده:</translation>
    </message>
    <message>
        <source>on this computer only; not uploaded yet</source>
        <translation>فقط روی این رایانه؛ هنوز بارگذاری نشده</translation>
    </message>
    <message>
        <source>None</source>
        <translation>ندارد</translation>
    </message>
    <message>
        <source>Tracking id:</source>
        <translation>شناسه پیگیری:</translation>
    </message>
    <message>
        <source>Issued after the sync</source>
        <translation>پس از همگام‌سازی صادر می‌شود</translation>
    </message>
    <message>
        <source>Received through:</source>
        <translation>مجرای دریافت:</translation>
    </message>
    <message>
        <source>Mobile:</source>
        <translation>شماره تلفن همراه:</translation>
    </message>
    <message>
        <source>Postal code:</source>
        <translation>کد پستی:</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>نشانی:</translation>
    </message>
</context>
</TS>
