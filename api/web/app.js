// kyso – the citizens' verification page.
//
// The page sends the chosen PDF as the raw body of POST /v1/verify/pdf (an
// XML file, e-invoices included, to POST /v1/verify/xml) and shows the
// JSON report. It builds every element with the DOM API and puts
// report values in with textContent only: nothing from the file or the
// server is ever parsed as HTML. No inline script or style is used, so the
// page runs under the strict Content-Security-Policy that kyso sends.
(function () {
  'use strict';

  var MAX_BYTES = 50 * 1024 * 1024;
  var ENDPOINTS = { pdf: '/v1/verify/pdf', xml: '/v1/verify/xml' };
  var MEDIA = { pdf: 'application/pdf', xml: 'application/xml' };
  var TIMEOUT_MS = 120000;
  var LANG_KEY = 'kyso.lang';
  var TIME_ZONE = 'Asia/Ho_Chi_Minh';

  // ---- texts ---------------------------------------------------------------

  var T = {
    vi: {
      pageTitle: 'Kiểm tra chữ ký số – {agency}',
      contactLabel: 'Liên hệ:',
      skip: 'Bỏ qua, đến nội dung chính',
      brand: 'Kiểm tra chữ ký số',
      title: 'Kiểm tra tài liệu có chữ ký số',
      lead: 'Chọn tệp PDF bạn nhận được (quyết định, giấy phép, phiếu lý lịch tư pháp…) để biết tài liệu có phải bản gốc không, ai đã ký, ký lúc nào và có bị sửa sau khi ký hay không.',
      pickTitle: 'Chọn tệp cần kiểm tra',
      choose: 'Chọn tệp PDF hoặc XML',
      dropHint: 'hoặc kéo thả tệp vào đây · tối đa 50 MB',
      dropNow: 'Thả tệp vào đây',
      privacy: 'Tệp chỉ được dùng để kiểm tra chữ ký, không được lưu lại. Không cần tài khoản.',
      checking: 'Đang kiểm tra…',
      checkingFile: 'Đang kiểm tra tệp “{name}”…',
      resultTitle: 'Kết quả kiểm tra',
      again: 'Kiểm tra tệp khác',
      downloadReport: 'Tải biên bản kiểm tra (PDF có chữ ký số)',
      downloadBusy: 'Đang lập biên bản…',
      downloadFailed: 'Không tải được biên bản kiểm tra. Vui lòng thử lại sau.',
      downloadNotConfigured: 'Máy chủ này chưa được cấu hình để ký biên bản kiểm tra.',
      helpTitle: 'Các kết quả có nghĩa là gì?',
      legendPassTitle: 'Hợp lệ (màu xanh)',
      legendPass: 'Chữ ký đúng của người có tên trong chứng thư số do tổ chức tin cậy cấp, và nội dung đã ký không bị thay đổi.',
      legendIndetTitle: 'Chưa xác định (màu vàng)',
      legendIndet: 'Chưa đủ thông tin để khẳng định, ví dụ chứng thư do một tổ chức mà hệ thống chưa tin cậy cấp. Không có nghĩa là tài liệu giả.',
      legendFailTitle: 'Không hợp lệ (màu đỏ)',
      legendFail: 'Chữ ký sai, tài liệu đã bị sửa sau khi ký, hoặc chứng thư đã bị thu hồi. Không nên tin tài liệu này.',
      footer: 'Kết quả theo tiêu chuẩn ETSI EN 319 102-1 (PAdES). Nếu có nghi ngờ, hãy liên hệ cơ quan đã ban hành tài liệu.',
      langButton: 'English',
      langButtonLabel: 'Switch to English',

      vValidTitle: 'Tài liệu hợp lệ',
      vValidText: 'Tất cả {count} đều hợp lệ. Nội dung không bị thay đổi trái phép sau khi ký.',
      vValidText1: 'Tài liệu có {count}, đã được xác nhận hợp lệ. Nội dung không bị thay đổi trái phép sau khi ký.',
      vInvalidTitle: 'Tài liệu KHÔNG hợp lệ',
      vInvalidText: '{bad} trên {total} không hợp lệ. Không nên tin nội dung tài liệu này; hãy liên hệ cơ quan đã ban hành.',
      vIndetTitle: 'Chưa xác nhận được tài liệu',
      vIndetText: '{unsure} trên {total} chưa xác minh được đầy đủ (xem chi tiết bên dưới). Điều này không có nghĩa là tài liệu bị giả mạo.',
      vNoneTitle: 'Tài liệu không có chữ ký số',
      vNoneText: 'Không tìm thấy chữ ký số nào trong tệp này, nên không thể xác nhận nguồn gốc và tính toàn vẹn của nó.',
      vErrorTitle: 'Không kiểm tra được tệp',
      vDisallowed: 'Có thay đổi không được phép sau khi ký (xem chi tiết bên dưới).',
      nSignatures: '{n} chữ ký',
      nSignatures1: '{n} chữ ký',
      nTimestamps: '{n} dấu thời gian tài liệu',
      nTimestamps1: '{n} dấu thời gian tài liệu',
      and: ' và ',
      file: 'Tệp: {name} ({size})',

      errNotPdf: 'Tệp bạn chọn không phải là tệp PDF hoặc XML. Vui lòng chọn tệp có đuôi .pdf hoặc .xml (hóa đơn điện tử).',
      errTooBig: 'Tệp lớn hơn 50 MB, vượt quá giới hạn kiểm tra.',
      errEmpty: 'Tệp bạn chọn không có nội dung.',
      errRead: 'Không đọc được tệp trên máy của bạn. Vui lòng thử lại.',
      errNetwork: 'Không kết nối được tới máy chủ. Vui lòng kiểm tra mạng và thử lại.',
      errTimeout: 'Máy chủ trả lời quá lâu. Vui lòng thử lại sau.',
      errTooMany: 'Bạn đã gửi quá nhiều yêu cầu. Vui lòng đợi một lát rồi thử lại.',
      errUnavailable: 'Dịch vụ kiểm tra đang tạm gián đoạn. Vui lòng thử lại sau ít phút.',
      errServer: 'Máy chủ gặp lỗi khi kiểm tra tệp. Vui lòng thử lại; nếu vẫn lỗi, hãy báo mã yêu cầu bên dưới cho quản trị viên.',
      errBadDocument: 'Máy chủ không đọc được tệp này như một tài liệu PDF.',
      errServerTooBig: 'Tệp vượt quá giới hạn kích thước của máy chủ.',
      errMedia: 'Máy chủ chỉ nhận tệp PDF.',
      errUnexpected: 'Máy chủ trả về một câu trả lời không đúng định dạng.',
      errDetail: 'Chi tiết: {message}',
      errRequestId: 'Mã yêu cầu: {id}',

      passed: 'Hợp lệ',
      failed: 'Không hợp lệ',
      indeterminate: 'Chưa xác định',
      typeSignature: 'Chữ ký số',
      typeTimestamp: 'Dấu thời gian tài liệu',
      unknownSigner: '(không rõ người ký)',
      unknownTsa: '(không rõ đơn vị cấp dấu thời gian)',
      cardN: 'Mục {i}/{n}',
      field: 'Trường chữ ký',
      organization: 'Cơ quan, tổ chức',
      identifiers: 'Mã định danh',
      type: 'Loại',
      provenTime: 'Thời điểm ký (đã chứng thực)',
      timestampTime: 'Thời điểm chứng thực',
      claimedTime: 'Thời điểm ký (tự khai)',
      claimedUnproven: 'chưa được chứng thực',
      revocation: 'Tình trạng thu hồi',
      reason: 'Lý do ký',
      location: 'Nơi ký',
      contact: 'Liên hệ của người ký',
      revGood: 'Chứng thư số chưa bị thu hồi',
      revRevoked: 'Chứng thư số đã bị thu hồi',
      revFrom: {
        registry: ' (theo sổ đăng ký chứng thư của hệ thống này)',
        document: ' (theo dữ liệu thu hồi OCSP/CRL kèm trong tài liệu)',
        online: ' (đã tra cứu trực tuyến)'
      },
      revUnknownOffline: 'Chưa kiểm tra được tình trạng thu hồi chứng thư số: tài liệu không kèm dữ liệu thu hồi dùng được, và hệ thống này không tra cứu trực tuyến.',
      revUnknownOnline: 'Chưa kiểm tra được tình trạng thu hồi chứng thư số: tài liệu không kèm dữ liệu thu hồi dùng được, và tra cứu trực tuyến không có kết quả.',
      claimedUnprovenNote: 'Thời điểm này do máy tính của người ký ghi lại, không có dấu thời gian chứng minh.',
      noTime: 'Không có',
      tsa: 'Đơn vị cấp dấu thời gian',
      level: 'Mức chữ ký',
      revision: 'Phạm vi ký',
      revisionText: 'Phiên bản {r} trên {n} của tệp',
      revisionLast: ' (phiên bản cuối cùng)',
      changes: 'Thay đổi sau khi ký',
      noChanges: 'Không có',
      changesSigned: 'Chính phần nội dung đã ký đã bị sửa',
      summaryTitle: 'Tóm tắt: ai đã ký, theo thứ tự',
      moreDetails: 'Xem chi tiết',
      changesUnknown: 'Không xác định được',
      levelBroken: 'Không xác định (chữ ký không còn nguyên vẹn)',
      allowed: 'được phép',
      notAllowed: 'không được phép',
      chain: 'Chuỗi chứng thư',
      issuedBy: 'Cấp bởi: {issuer}',
      validUntil: 'Hiệu lực đến: {date}',
      warnings: 'Lưu ý',
      details: 'Chi tiết kỹ thuật',
      resultCode: 'Mã kết quả',
      timeZoneNote: '(giờ Việt Nam)',
      eiBlock: 'Chữ ký của',
      eiSeller: 'Người bán',
      eiBuyer: 'Người mua',
      eiTaxCode: 'MST: {code}',
      eiNumber: 'Hóa đơn',
      eiNumberText: 'Số {number}',
      eiSeries: ', ký hiệu {series}',
      eiTotal: 'Tổng tiền thanh toán',
      eiSigningTime: 'Thời điểm ký (ghi trong hóa đơn)',
      eiMatch: 'MST trong chứng thư',
      eiMatchYes: 'trùng với MST của {block}',
      eiMatchNo: 'KHÁC với MST của {block}',
      eiNotCovered: 'Chữ ký này không bao gồm dữ liệu hóa đơn',
      references: 'Phạm vi đã ký',
      refValid: 'khớp',
      refInvalid: 'không khớp',
      blocks: { seller: 'người bán', buyer: 'người mua', tax_authority: 'cơ quan thuế', other: 'bên khác' },

      explainPassedSig: 'Chữ ký hợp lệ: đúng người ký có tên trong chứng thư số do tổ chức tin cậy cấp, và phần tài liệu đã ký không bị thay đổi.',
      explainPassedTs: 'Dấu thời gian hợp lệ: tài liệu đã tồn tại đúng như vậy vào thời điểm được chứng thực.',
      explainFailed: 'Chữ ký không hợp lệ (mã: {code}).',
      explainFailedNoCode: 'Chữ ký không hợp lệ.',
      explainIndet: 'Chưa đủ thông tin để xác nhận chữ ký (mã: {code}).',
      explainIndetNoCode: 'Chưa đủ thông tin để xác nhận chữ ký.',
      sub: {
        HASH_FAILURE: 'Tài liệu đã bị thay đổi sau khi ký.',
        CHANGED_AFTER_SIGNING: 'Tài liệu đã bị sửa sau khi ký theo cách không được phép (nội dung trang, phông chữ, hình ảnh, số trang, ô biểu mẫu đã khoá), hoặc có nội dung được vẽ đè lên phần đã ký nên trang đang hiển thị không còn là trang đã ký; xem các thay đổi bên dưới.',
        SIG_CRYPTO_FAILURE: 'Chữ ký không khớp với chứng thư của người ký: chữ ký bị làm giả hoặc bị hỏng.',
        REVOKED: 'Chứng thư của người ký đã bị thu hồi trước thời điểm ký.',
        REVOKED_NO_POE: 'Chứng thư của người ký đã bị thu hồi và không có bằng chứng rằng chữ ký được tạo trước khi thu hồi.',
        REVOKED_CA_NO_POE: 'Chứng thư của tổ chức cấp đã bị thu hồi và không có bằng chứng rằng chữ ký được tạo trước khi thu hồi.',
        NO_CERTIFICATE_CHAIN_FOUND: 'Không tìm thấy chuỗi chứng thư tin cậy: chứng thư của người ký không do một tổ chức chứng thực mà hệ thống này tin cậy cấp.',
        NO_SIGNING_CERTIFICATE_FOUND: 'Không tìm thấy chứng thư của người ký trong chữ ký.',
        CERTIFICATE_CHAIN_GENERAL_FAILURE: 'Chuỗi chứng thư của người ký không hợp lệ.',
        CHAIN_CONSTRAINTS_FAILURE: 'Chứng thư không được phép dùng để ký văn bản (ví dụ: chứng thư chỉ dùng cho kết nối TLS), hoặc chuỗi chứng thư không đáp ứng yêu cầu.',
        SIG_CONSTRAINTS_FAILURE: 'Chữ ký không đáp ứng yêu cầu (ví dụ: chứng thư không được phép dùng để ký).',
        CRYPTO_CONSTRAINTS_FAILURE: 'Chữ ký dùng thuật toán hoặc độ dài khóa không còn an toàn.',
        CRYPTO_CONSTRAINTS_FAILURE_NO_POE: 'Chữ ký dùng thuật toán không còn an toàn và không có bằng chứng rằng nó được tạo khi thuật toán còn an toàn.',
        OUT_OF_BOUNDS_NO_POE: 'Chứng thư của người ký đã hết hạn (hoặc chưa có hiệu lực) và không có dấu thời gian chứng minh chữ ký được tạo khi chứng thư còn hiệu lực.',
        OUT_OF_BOUNDS_NOT_REVOKED: 'Chứng thư của người ký đã hết hạn; chứng thư không bị thu hồi nhưng không có bằng chứng về thời điểm ký.',
        EXPIRED: 'Chứng thư của người ký đã hết hạn tại thời điểm ký.',
        NOT_YET_VALID: 'Chứng thư của người ký chưa có hiệu lực tại thời điểm ký.',
        TRY_LATER: 'Chưa kiểm tra được tình trạng thu hồi chứng thư số của người ký, nên chưa thể xác nhận chữ ký. Các kiểm tra khác đều đạt; có thể kiểm tra lại khi có dữ liệu thu hồi.',
        FORMAT_FAILURE: 'Chữ ký sai định dạng, bị hỏng, hoặc ở dạng không xử lý được.',
        AMBIGUOUS_REVISION: 'Cấu trúc tệp có thể được đọc theo nhiều cách: phần mềm xem PDF có thể hiển thị nội dung khác với nội dung đã được kiểm tra. Không thể xác nhận chữ ký.',
        NO_POE: 'Không có bằng chứng về thời điểm ký.',
        TIMESTAMP_ORDER_FAILURE: 'Thứ tự các dấu thời gian không hợp lệ.',
        SIGNED_DATA_NOT_FOUND: 'Không tìm thấy dữ liệu đã được ký.',
        POLICY_PROCESSING_ERROR: 'Không xử lý được chính sách chữ ký.',
        SIGNATURE_POLICY_NOT_AVAILABLE: 'Không có chính sách chữ ký cần thiết để kiểm tra.'
      },
      levels: {
        'B-B': 'PAdES B-B (cơ bản)',
        'B-T': 'PAdES B-T (có dấu thời gian)',
        'B-LT': 'PAdES B-LT (kèm dữ liệu kiểm tra dài hạn)',
        'B-LTA': 'PAdES B-LTA (lưu trữ dài hạn)',
        'not PAdES': 'Không theo chuẩn PAdES'
      },
      kinds: {
        none: 'Không có thay đổi',
        signature_added: 'Thêm chữ ký',
        document_timestamp_added: 'Thêm dấu thời gian tài liệu',
        dss_updated: 'Bổ sung dữ liệu kiểm tra dài hạn (DSS)',
        form_filled: 'Điền biểu mẫu',
        form_field_added: 'Thêm ô biểu mẫu',
        form_field_modified: 'Thay đổi ô biểu mẫu',
        form_field_removed: 'Xoá ô biểu mẫu',
        annotation_added: 'Thêm ghi chú',
        annotation_modified: 'Thay đổi ghi chú',
        annotation_removed: 'Xoá ghi chú',
        page_content_modified: 'Nội dung trang bị thay đổi',
        resources_modified: 'Tài nguyên trang (phông chữ, hình ảnh) bị thay đổi',
        page_added: 'Thêm trang',
        page_removed: 'Xoá trang',
        page_modified: 'Thuộc tính trang bị thay đổi',
        signature_modified: 'Chữ ký đã có bị thay đổi',
        catalog_modified: 'Cấu trúc tài liệu thay đổi',
        form_modified: 'Biểu mẫu của tài liệu thay đổi',
        metadata_modified: 'Thông tin mô tả tài liệu thay đổi',
        structure_tree_modified: 'Cấu trúc nội dung (thẻ) thay đổi',
        object_modified: 'Một đối tượng trong tệp bị thay đổi',
        unreferenced_objects: 'Đối tượng không được dùng',
        not_analysed: 'Không phân tích được hết thay đổi',
        locked_field_modified: 'Ô biểu mẫu đã bị khoá khi ký lại bị thay đổi',
        drawn_over_signed_content: 'Có nội dung được vẽ đè lên phần đã ký'
      },
      ids: {
        CCCD: 'căn cước công dân',
        CMND: 'chứng minh nhân dân',
        HC: 'hộ chiếu',
        MST: 'mã số thuế',
        MNS: 'mã quan hệ ngân sách'
      }
    },

    en: {
      pageTitle: 'Verify a digital signature – {agency}',
      contactLabel: 'Contact:',
      skip: 'Skip to main content',
      brand: 'Digital signature check',
      title: 'Check a digitally signed document',
      lead: 'Choose the PDF you received (a decision, a permit, a judicial-record extract…) to find out whether it is genuine, who signed it, when, and whether it was changed after signing.',
      pickTitle: 'Choose the file to check',
      choose: 'Choose a PDF or XML file',
      dropHint: 'or drop it here · up to 50 MB',
      dropNow: 'Drop the file here',
      privacy: 'Your file is only used to check its signatures and is not kept. No account needed.',
      checking: 'Checking…',
      checkingFile: 'Checking “{name}”…',
      resultTitle: 'Result',
      again: 'Check another file',
      downloadReport: 'Download the verification report (signed PDF)',
      downloadBusy: 'Preparing the report…',
      downloadFailed: 'The verification report could not be downloaded. Please try again later.',
      downloadNotConfigured: 'This server is not set up to sign verification reports.',
      helpTitle: 'What do the results mean?',
      legendPassTitle: 'Valid (green)',
      legendPass: 'The signature was made by the person named in a certificate from a trusted authority, and the signed content was not changed.',
      legendIndetTitle: 'Indeterminate (amber)',
      legendIndet: 'There is not enough information to decide, for example because the certificate comes from an authority this service does not trust yet. It does not mean the document is forged.',
      legendFailTitle: 'Not valid (red)',
      legendFail: 'The signature is wrong, the document was changed after signing, or the certificate was revoked. Do not rely on this document.',
      footer: 'Results follow ETSI EN 319 102-1 (PAdES). If in doubt, contact the agency that issued the document.',
      langButton: 'Tiếng Việt',
      langButtonLabel: 'Chuyển sang tiếng Việt',

      vValidTitle: 'The document is valid',
      vValidText: 'All {count} are valid. The content was not changed in a disallowed way after signing.',
      vValidText1: 'The document has {count}, and it is valid. The content was not changed in a disallowed way after signing.',
      vInvalidTitle: 'The document is NOT valid',
      vInvalidText: '{bad} of {total} failed. Do not rely on this document; contact the agency that issued it.',
      vIndetTitle: 'The document could not be fully verified',
      vIndetText: '{unsure} of {total} could not be fully verified (see the details below). This does not mean the document is forged.',
      vNoneTitle: 'The document has no digital signature',
      vNoneText: 'No digital signature was found in this file, so its origin and integrity cannot be confirmed.',
      vErrorTitle: 'The file could not be checked',
      vDisallowed: 'There are disallowed changes after signing (see the details below).',
      nSignatures: '{n} signatures',
      nSignatures1: '{n} signature',
      nTimestamps: '{n} document time-stamps',
      nTimestamps1: '{n} document time-stamp',
      and: ' and ',
      file: 'File: {name} ({size})',

      errNotPdf: 'The file you chose is not a PDF or XML file. Please choose a .pdf or .xml file (e-invoice).',
      errTooBig: 'The file is larger than 50 MB, the most this page can check.',
      errEmpty: 'The file you chose is empty.',
      errRead: 'The file could not be read on your device. Please try again.',
      errNetwork: 'The server could not be reached. Please check your connection and try again.',
      errTimeout: 'The server took too long to answer. Please try again later.',
      errTooMany: 'Too many requests. Please wait a moment and try again.',
      errUnavailable: 'The verification service is temporarily unavailable. Please try again in a few minutes.',
      errServer: 'The server failed while checking the file. Please try again; if it keeps failing, give the request ID below to the administrator.',
      errBadDocument: 'The server could not read this file as a PDF document.',
      errServerTooBig: 'The file exceeds the server’s size limit.',
      errMedia: 'The server only accepts PDF files.',
      errUnexpected: 'The server sent an answer in an unexpected format.',
      errDetail: 'Details: {message}',
      errRequestId: 'Request ID: {id}',

      passed: 'Valid',
      failed: 'Not valid',
      indeterminate: 'Indeterminate',
      typeSignature: 'Signature',
      typeTimestamp: 'Document time-stamp',
      unknownSigner: '(unknown signer)',
      unknownTsa: '(unknown time-stamp authority)',
      cardN: 'Item {i} of {n}',
      field: 'Signature field',
      organization: 'Organization',
      identifiers: 'Identifiers',
      type: 'Type',
      provenTime: 'Signing time (proven)',
      timestampTime: 'Time-stamped at',
      claimedTime: 'Signing time (claimed)',
      claimedUnproven: 'unproven',
      revocation: 'Revocation status',
      reason: 'Reason',
      location: 'Location',
      contact: 'Signer’s contact',
      revGood: 'The certificate is not revoked',
      revRevoked: 'The certificate is revoked',
      revFrom: {
        registry: ' (per this service’s certificate registry)',
        document: ' (per the OCSP/CRL revocation data in the document)',
        online: ' (checked online)'
      },
      revUnknownOffline: 'The certificate’s revocation status could not be checked: the document holds no usable revocation data, and this service does not check online.',
      revUnknownOnline: 'The certificate’s revocation status could not be checked: the document holds no usable revocation data, and online checking found nothing.',
      claimedUnprovenNote: 'This time was recorded by the signer’s computer; no time-stamp proves it.',
      noTime: 'None',
      tsa: 'Time-stamp authority',
      level: 'Signature level',
      revision: 'Covers',
      revisionText: 'Revision {r} of {n} of the file',
      revisionLast: ' (the final revision)',
      changes: 'Changes after signing',
      noChanges: 'None',
      changesSigned: 'The signed content itself was changed',
      summaryTitle: 'Summary: who signed, in order',
      moreDetails: 'Show details',
      changesUnknown: 'Cannot be determined',
      levelBroken: 'Not determined (the signature is broken)',
      allowed: 'allowed',
      notAllowed: 'not allowed',
      chain: 'Certificate chain',
      issuedBy: 'Issued by: {issuer}',
      validUntil: 'Valid until: {date}',
      warnings: 'Warnings',
      details: 'Technical details',
      resultCode: 'Result code',
      timeZoneNote: '(Vietnam time)',
      eiBlock: 'Signed by',
      eiSeller: 'Seller',
      eiBuyer: 'Buyer',
      eiTaxCode: 'tax code {code}',
      eiNumber: 'Invoice',
      eiNumberText: 'No. {number}',
      eiSeries: ', series {series}',
      eiTotal: 'Total payable',
      eiSigningTime: 'Signing time (stated in the invoice)',
      eiMatch: 'Tax code in the certificate',
      eiMatchYes: 'matches the {block}’s tax code',
      eiMatchNo: 'DIFFERS from the {block}’s tax code',
      eiNotCovered: 'This signature does not cover the invoice data',
      references: 'What is signed',
      refValid: 'matches',
      refInvalid: 'does not match',
      blocks: { seller: 'seller', buyer: 'buyer', tax_authority: 'tax authority', other: 'other party' },

      explainPassedSig: 'The signature is valid: it was made by the person named in a certificate from a trusted authority, and the signed part of the document was not changed.',
      explainPassedTs: 'The time-stamp is valid: the document existed in this form at the time-stamped moment.',
      explainFailed: 'The signature is not valid (code: {code}).',
      explainFailedNoCode: 'The signature is not valid.',
      explainIndet: 'There is not enough information to confirm the signature (code: {code}).',
      explainIndetNoCode: 'There is not enough information to confirm the signature.',
      sub: {
        HASH_FAILURE: 'The document was changed after signing.',
        CHANGED_AFTER_SIGNING: 'The document was edited after signing in a way that is not allowed (page content, fonts, images, pages, locked form fields), or something was drawn over the signed content, so the page shown is not the page that was signed; see the changes below.',
        SIG_CRYPTO_FAILURE: 'The signature does not match the signer’s certificate: it is forged or damaged.',
        REVOKED: 'The signer’s certificate was revoked before the signing time.',
        REVOKED_NO_POE: 'The signer’s certificate was revoked and there is no proof that the signature was made before that.',
        REVOKED_CA_NO_POE: 'The issuing authority’s certificate was revoked and there is no proof that the signature was made before that.',
        NO_CERTIFICATE_CHAIN_FOUND: 'No trusted certificate chain was found: the signer’s certificate was not issued by an authority this service trusts.',
        NO_SIGNING_CERTIFICATE_FOUND: 'The signer’s certificate was not found in the signature.',
        CERTIFICATE_CHAIN_GENERAL_FAILURE: 'The signer’s certificate chain is not valid.',
        CHAIN_CONSTRAINTS_FAILURE: 'The certificate may not sign documents (for example, it is made only for TLS connections), or the certificate chain does not meet the requirements.',
        SIG_CONSTRAINTS_FAILURE: 'The signature does not meet the requirements (for example, the certificate may not be used for signing).',
        CRYPTO_CONSTRAINTS_FAILURE: 'The signature uses an algorithm or key size that is no longer safe.',
        CRYPTO_CONSTRAINTS_FAILURE_NO_POE: 'The signature uses an algorithm that is no longer safe, and there is no proof it was made while it was safe.',
        OUT_OF_BOUNDS_NO_POE: 'The signer’s certificate has expired (or was not yet valid) and no time-stamp proves that the signature was made while it was valid.',
        OUT_OF_BOUNDS_NOT_REVOKED: 'The signer’s certificate has expired; it was not revoked, but there is no proof of the signing time.',
        EXPIRED: 'The signer’s certificate had expired at the signing time.',
        NOT_YET_VALID: 'The signer’s certificate was not yet valid at the signing time.',
        TRY_LATER: 'The revocation status of the signer’s certificate could not be checked, so the signature cannot be confirmed. Every other check passed; it can be checked again once revocation data is available.',
        FORMAT_FAILURE: 'The signature is malformed, damaged, or in a form that cannot be processed.',
        AMBIGUOUS_REVISION: 'The file can be read in more than one way: a PDF viewer may show other content than the content that was checked. The signature cannot be confirmed.',
        NO_POE: 'There is no proof of the signing time.',
        TIMESTAMP_ORDER_FAILURE: 'The time-stamps are in an invalid order.',
        SIGNED_DATA_NOT_FOUND: 'The signed data was not found.',
        POLICY_PROCESSING_ERROR: 'The signature policy could not be processed.',
        SIGNATURE_POLICY_NOT_AVAILABLE: 'The signature policy needed for the check is not available.'
      },
      levels: {
        'B-B': 'PAdES B-B (basic)',
        'B-T': 'PAdES B-T (with time-stamp)',
        'B-LT': 'PAdES B-LT (with long-term validation data)',
        'B-LTA': 'PAdES B-LTA (long-term archival)',
        'not PAdES': 'Not PAdES'
      },
      kinds: {
        none: 'No change',
        signature_added: 'Signature added',
        document_timestamp_added: 'Document time-stamp added',
        dss_updated: 'Long-term validation data (DSS) added',
        form_filled: 'Form filled in',
        form_field_added: 'Form field added',
        form_field_modified: 'Form field changed',
        form_field_removed: 'Form field removed',
        annotation_added: 'Annotation added',
        annotation_modified: 'Annotation changed',
        annotation_removed: 'Annotation removed',
        page_content_modified: 'Page content changed',
        resources_modified: 'Page resources (fonts, images) changed',
        page_added: 'Page added',
        page_removed: 'Page removed',
        page_modified: 'Page properties changed',
        signature_modified: 'An earlier signature changed',
        catalog_modified: 'Document structure changed',
        form_modified: 'Document form changed',
        metadata_modified: 'Document metadata changed',
        structure_tree_modified: 'Tagged structure changed',
        object_modified: 'An object in the file changed',
        unreferenced_objects: 'Unused objects',
        not_analysed: 'Changes could not be fully analysed',
        locked_field_modified: 'A form field locked by the signature was changed',
        drawn_over_signed_content: 'Something was drawn over the signed content'
      },
      ids: {
        CCCD: 'citizen ID',
        CMND: 'ID card',
        HC: 'passport',
        MST: 'tax code',
        MNS: 'budget-relation code'
      }
    }
  };

  // WARN_VI says each warning code of the verifier (verifier/warnings.go,
  // WarningCodes) in Vietnamese; {name} is a parameter of the warning.
  // Parameters that are English text from deeper down (error, reason) are
  // left out. The English page shows the report's own text. The server
  // writes the table in (internal/warnvi, which kyso verify and the
  // printed report say too).
  var WARN_VI = {/* internal/warnvi */};

  // ---- state ---------------------------------------------------------------

  var lang = initialLang();
  // view is what the result area shows, kept so that a change of language
  // can draw it again: null, {kind:'report', report, file} or
  // {kind:'error', key, message, requestId, file}.
  var view = null;
  var inflight = null;

  var el = {};

  function initialLang() {
    var saved = null;
    try { saved = window.localStorage.getItem(LANG_KEY); } catch (e) { /* storage may be disabled */ }
    return saved === 'en' ? 'en' : 'vi';
  }

  function t(key, vars) {
    var s = T[lang][key];
    if (s === undefined) { s = T.vi[key]; }
    if (vars) {
      s = s.replace(/\{(\w+)\}/g, function (m, name) {
        return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : m;
      });
    }
    return s;
  }

  function lookup(table, key) {
    var own = T[lang][table];
    return Object.prototype.hasOwnProperty.call(own, key) ? own[key] : null;
  }

  // ---- DOM helpers -----------------------------------------------------------

  function h(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text !== undefined && text !== null) { n.textContent = String(text); }
    return n;
  }

  function clear(n) {
    while (n.firstChild) { n.removeChild(n.firstChild); }
  }

  function str(v) {
    return typeof v === 'string' ? v : '';
  }

  // ---- language --------------------------------------------------------------

  function applyLang() {
    document.documentElement.lang = lang;
    // The operator's name is written into the page by the server
    // (web.NewHandler); kyso's own otherwise.
    var agency = document.getElementById('agency-name');
    document.title = t('pageTitle', { agency: agency ? agency.textContent : 'kyso' });
    var nodes = document.querySelectorAll('[data-i18n]');
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].textContent = t(nodes[i].getAttribute('data-i18n'));
    }
    el.lang.textContent = t('langButton');
    el.lang.setAttribute('lang', lang === 'vi' ? 'en' : 'vi');
    el.lang.setAttribute('aria-label', t('langButtonLabel'));
    if (view) { render(); }
    if (inflight) { el.busyText.textContent = t('checkingFile', { name: inflight.name }); }
  }

  function toggleLang() {
    lang = lang === 'vi' ? 'en' : 'vi';
    try { window.localStorage.setItem(LANG_KEY, lang); } catch (e) { /* not remembered */ }
    applyLang();
  }

  // ---- formatting ------------------------------------------------------------

  function formatSize(n) {
    var locale = lang === 'vi' ? 'vi-VN' : 'en-GB';
    var fmt = function (x) { return x.toLocaleString(locale, { maximumFractionDigits: 1 }); };
    if (n < 1024) { return fmt(n) + ' B'; }
    if (n < 1024 * 1024) { return fmt(n / 1024) + ' KB'; }
    return fmt(n / (1024 * 1024)) + ' MB';
  }

  function formatTime(s) {
    s = str(s);
    if (!s) { return ''; }
    var d = new Date(s);
    if (isNaN(d.getTime())) { return s; }
    try {
      return new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
        year: 'numeric', month: '2-digit', day: '2-digit',
        hour: '2-digit', minute: '2-digit', second: '2-digit',
        hour12: false, timeZone: TIME_ZONE
      }).format(d) + ' ' + t('timeZoneNote');
    } catch (e) {
      return s;
    }
  }

  function timeNode(s) {
    var n = h('time', null, formatTime(s));
    n.setAttribute('datetime', str(s));
    return n;
  }

  function countPhrase(sigs) {
    var ns = 0, nt = 0;
    for (var i = 0; i < sigs.length; i++) {
      if (sigs[i].type === 'document_timestamp') { nt++; } else { ns++; }
    }
    var parts = [];
    if (ns) { parts.push(t(ns === 1 ? 'nSignatures1' : 'nSignatures', { n: ns })); }
    if (nt) { parts.push(t(nt === 1 ? 'nTimestamps1' : 'nTimestamps', { n: nt })); }
    return parts.join(t('and'));
  }

  // ---- verdict ---------------------------------------------------------------

  function indicationClass(ind) {
    if (ind === 'TOTAL_PASSED') { return 'passed'; }
    if (ind === 'TOTAL_FAILED') { return 'failed'; }
    return 'indeterminate';
  }

  function hasDisallowedChange(sig) {
    var ch = Array.isArray(sig.changes_after) ? sig.changes_after : [];
    for (var i = 0; i < ch.length; i++) {
      if (ch[i] && ch[i].allowed === false) { return true; }
    }
    return false;
  }

  // decide returns the document verdict: valid only when the server says so
  // and every signature passed; invalid when one failed or there is none.
  function decide(report) {
    var sigs = report.signatures;
    if (sigs.length === 0) { return { verdict: 'invalid', none: true }; }
    var failed = [], unsure = [], disallowed = false;
    for (var i = 0; i < sigs.length; i++) {
      var c = indicationClass(sigs[i].indication);
      if (c === 'failed') { failed.push(sigs[i]); }
      if (c === 'indeterminate') { unsure.push(sigs[i]); }
      if (hasDisallowedChange(sigs[i])) { disallowed = true; }
    }
    if (failed.length) { return { verdict: 'invalid', failed: failed, disallowed: disallowed }; }
    if (unsure.length || report.valid !== true || disallowed) {
      return { verdict: 'indeterminate', unsure: unsure, disallowed: disallowed };
    }
    return { verdict: 'valid' };
  }

  function setVerdict(verdict, title, text, extra) {
    el.verdict.setAttribute('data-verdict', verdict);
    el.verdict.className = 'verdict verdict-' + verdict;
    el.verdictTitle.textContent = title;
    el.verdictText.textContent = text;
    if (view && view.file) {
      el.verdictFile.textContent = t('file', { name: view.file.name, size: formatSize(view.file.size) });
      el.verdictFile.hidden = false;
    } else {
      el.verdictFile.hidden = true;
    }
    clear(el.verdictExtra);
    if (extra && extra.length) {
      for (var i = 0; i < extra.length; i++) {
        el.verdictExtra.appendChild(h('span', 'verdict-line', extra[i]));
      }
      el.verdictExtra.hidden = false;
    } else {
      el.verdictExtra.hidden = true;
    }
  }

  function render() {
    clear(el.cards);
    clear(el.summary);
    showDownload();
    if (!view) {
      el.result.hidden = true;
      el.verdict.removeAttribute('data-verdict');
      return;
    }
    el.result.hidden = false;
    if (view.kind === 'error') {
      var extra = [];
      if (view.message) { extra.push(t('errDetail', { message: view.message })); }
      if (view.requestId) { extra.push(t('errRequestId', { id: view.requestId })); }
      setVerdict('error', t('vErrorTitle'), t(view.key), extra);
      return;
    }
    var report = view.report;
    var sigs = report.signatures;
    var d = decide(report);
    var more = d.disallowed ? [t('vDisallowed')] : [];
    if (d.none) {
      setVerdict('invalid', t('vNoneTitle'), t('vNoneText'), more);
    } else if (d.verdict === 'valid') {
      setVerdict('valid', t('vValidTitle'),
        t(sigs.length === 1 ? 'vValidText1' : 'vValidText', { count: countPhrase(sigs) }), more);
    } else if (d.verdict === 'invalid') {
      setVerdict('invalid', t('vInvalidTitle'),
        t('vInvalidText', { bad: d.failed.length, total: countPhrase(sigs) }), more);
    } else {
      setVerdict('indeterminate', t('vIndetTitle'),
        t('vIndetText', { unsure: d.unsure.length || sigs.length, total: countPhrase(sigs) }), more);
    }
    if (sigs.length > 1) { el.summary.appendChild(summaryNode(sigs)); }
    for (var i = 0; i < sigs.length; i++) {
      el.cards.appendChild(card(sigs[i], i, sigs.length));
    }
  }

  // summaryNode is the summary on top of a document with several
  // signatures: one line per signature, in the file's order — who, when,
  // the verdict — each a link to its card, whose details it unfolds.
  function summaryNode(sigs) {
    var sec = h('section', 'summary');
    var title = h('h2', 'summary-title', t('summaryTitle'));
    title.id = 'summary-title';
    sec.setAttribute('aria-labelledby', title.id);
    sec.appendChild(title);
    var ol = h('ol', 'summary-list');
    for (var i = 0; i < sigs.length; i++) {
      var sig = sigs[i] || {};
      var ind = indicationClass(sig.indication);
      var isTs = sig.type === 'document_timestamp';
      var signer = sig.signer || {};
      var li = h('li', 'summary-item summary-' + ind);
      li.setAttribute('data-indication', str(sig.indication) || 'UNKNOWN');
      var a = h('a', 'summary-link');
      a.href = '#sig-card-' + i;
      a.setAttribute('data-card', String(i));
      a.appendChild(h('span', 'summary-icon', ind === 'passed' ? '✓' : (ind === 'failed' ? '✕' : '!')))
        .setAttribute('aria-hidden', 'true');
      var name = str(signer.name) || (isTs ? str(sig.timestamp_authority) : '');
      a.appendChild(h('span', 'summary-name', name || t(isTs ? 'unknownTsa' : 'unknownSigner')));
      var when = str(sig.proven_time) || str(sig.claimed_time);
      if (when) { a.appendChild(h('span', 'summary-time', formatTime(when))); }
      a.appendChild(h('span', 'summary-status', t(ind)));
      a.addEventListener('click', openCard);
      li.appendChild(a);
      ol.appendChild(li);
    }
    sec.appendChild(ol);
    return sec;
  }

  function openCard(e) {
    var n = document.getElementById('sig-card-' + e.currentTarget.getAttribute('data-card'));
    var more = n ? n.querySelector('.sig-more') : null;
    if (more) { more.open = true; }
  }

  // ---- one signature -----------------------------------------------------------

  function explain(sig) {
    var ind = indicationClass(sig.indication);
    var code = str(sig.sub_indication);
    var isTs = sig.type === 'document_timestamp';
    if (ind === 'passed' && !code) { return t(isTs ? 'explainPassedTs' : 'explainPassedSig'); }
    var known = code ? lookup('sub', code) : null;
    if (known) { return known; }
    if (ind === 'passed') { return t(isTs ? 'explainPassedTs' : 'explainPassedSig'); }
    if (ind === 'failed') { return code ? t('explainFailed', { code: code }) : t('explainFailedNoCode'); }
    return code ? t('explainIndet', { code: code }) : t('explainIndetNoCode');
  }

  function row(dl, label, value) {
    var wrap = h('div', 'row');
    wrap.appendChild(h('dt', null, label));
    var dd = h('dd');
    if (typeof value === 'string') {
      dd.textContent = value;
    } else {
      dd.appendChild(value);
    }
    wrap.appendChild(dd);
    dl.appendChild(wrap);
    return wrap;
  }

  // ---- personal identifiers ----------------------------------------------------
  // The public page masks personal identifiers (Decree 13/2023 on personal
  // data): a citizen ID, an old ID card or a passport number is shown with
  // its last four characters only ("********2345"), wherever it appears —
  // identifiers, certificate subjects, warnings. Tax and budget codes (MST,
  // MNS) identify organisations and are shown. The API keeps them whole.
  var PERSONAL_ID = /\b(CCCD|CMND|CMT|HC|PASSPORT)(\s*[:=]\s*)([A-Za-z0-9]+)/gi;

  function maskValue(v) {
    v = str(v);
    if (v.length <= 4) { return v.replace(/./g, '*'); }
    return v.slice(0, v.length - 4).replace(/./g, '*') + v.slice(-4);
  }

  function maskText(s) {
    return str(s).replace(PERSONAL_ID, function (m, kind, sep, value) {
      return kind + sep + maskValue(value);
    });
  }

  // maskIdentifier masks one of signer.identifiers: a personal one, or one
  // without a known kind (a serialNumber attribute may be a citizen ID).
  function maskIdentifier(id) {
    var colon = id.indexOf(':');
    if (colon < 0) { return maskValue(id); }
    var kind = id.slice(0, colon).toUpperCase();
    if (kind === 'MST' || kind === 'MNS') { return id; }
    return id.slice(0, colon + 1) + maskValue(id.slice(colon + 1));
  }

  // BIDI_CONTROL matches the characters that change the direction of the
  // text around them (overrides, embeddings, isolates, marks) and other
  // control characters: the verifier leaves them out of what signers
  // write; the page does too, whatever the report holds.
  var BIDI_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

  // signerTextNode shows a text the signer wrote (reason, location,
  // contact): masked like the rest of the page, as text only, in a <bdi>
  // so that its direction cannot spill over the page.
  function signerTextNode(s) {
    var text = maskText(str(s).replace(BIDI_CONTROL, ''));
    if (text.length > 600) { text = text.slice(0, 600) + '…'; }
    var b = h('bdi', 'signer-text', text);
    b.setAttribute('dir', 'auto');
    return b;
  }

  function identifierNode(ids) {
    var ul = h('ul', 'plain');
    for (var i = 0; i < ids.length; i++) {
      var id = str(ids[i]);
      if (!id) { continue; }
      var li = h('li');
      li.appendChild(h('span', 'mono', maskIdentifier(id)));
      var colon = id.indexOf(':');
      var what = colon > 0 ? lookup('ids', id.slice(0, colon).toUpperCase()) : null;
      if (what) { li.appendChild(h('span', 'muted', ' (' + what + ')')); }
      ul.appendChild(li);
    }
    return ul;
  }

  // warningText says a warning in the page's language: the Vietnamese
  // sentence of its code, or the report's English text.
  function warningText(wc, text) {
    if (lang !== 'vi') { return str(text) || (wc && str(wc.text)); }
    if (!wc || typeof wc !== 'object') { return WARN_VI.other; }
    var code = str(wc.code);
    var tpl = Object.prototype.hasOwnProperty.call(WARN_VI, code) ? WARN_VI[code] : WARN_VI.other;
    var p = wc.params && typeof wc.params === 'object' ? wc.params : {};
    return tpl.replace(/\{(\w+)\}/g, function (m, name) {
      if (name === 'sub') {
        var sub = str(p.sub_indication);
        return (sub && lookup('sub', sub)) || T.vi.explainIndetNoCode;
      }
      if (name === 'inner') { return warningText(wc.inner, ''); }
      if (name === 'time' || name === 'timestamp_time' || name === 'expiry' ||
          name === 'proven_time' || name === 'revocation_time') {
        return formatTime(str(p[name])) || str(p[name]);
      }
      return str(p[name]);
    });
  }

  // CHANGE_VI says the details of changes (verifier/changes.go) in
  // Vietnamese; a detail none of them says whole is left out of the
  // Vietnamese page, whose change kind already says what changed.
  var CHANGE_VI = [
    [/^document security store$/, 'kho dữ liệu kiểm tra (DSS)'],
    [/^document information dictionary$/, 'thông tin mô tả tài liệu'],
    [/^XMP metadata$/, 'siêu dữ liệu XMP'],
    [/^structure tree$/, 'cây cấu trúc'],
    [/^catalog \/(\w+)$/, 'mục /$1 của danh mục tài liệu'],
    [/^form \/(\w+)$/, 'mục /$1 của biểu mẫu'],
    [/^form default resources \(\/DR\)$/, 'tài nguyên mặc định của biểu mẫu (/DR)'],
    [/^field ("[^"]*")$/, 'ô $1'],
    [/^empty signature field ("[^"]*")$/, 'ô chữ ký trống $1'],
    [/^field ("[^"]*") has another signature$/, 'ô $1 có chữ ký khác'],
    [/^signature of field ("[^"]*") \(object (\d+)\)$/, 'chữ ký của ô $1 (đối tượng $2)'],
    [/^appearance or widget of signature field ("[^"]*") \(object (\d+)\)$/, 'hình hiển thị của ô chữ ký $1 (đối tượng $2)'],
    [/^page (\d+)$/, 'trang $1'],
    [/^page (\d+) of the signed revision$/, 'trang $1 của phiên bản đã ký'],
    [/^the pages were reordered$/, 'thứ tự trang bị đổi'],
    [/^the document has (\d+) pages, the signed revision (\d+)$/, 'tài liệu có $1 trang, phiên bản đã ký có $2 trang'],
    [/^page (\d+): content stream \(object (\d+)\)$/, 'trang $1: nội dung (đối tượng $2)'],
    [/^page (\d+): resources \(object (\d+)\)$/, 'trang $1: tài nguyên (đối tượng $2)'],
    [/^page (\d+): \/Contents replaced$/, 'trang $1: nội dung bị thay'],
    [/^page (\d+): \/Resources replaced$/, 'trang $1: tài nguyên bị thay'],
    [/^object (\d+) cannot be read$/, 'đối tượng $1 không đọc được'],
    [/^(\d+) objects that the document does not use$/, '$1 đối tượng tài liệu không dùng đến'],
    [/^(\d+) objects changed: too many to analyse$/, '$1 đối tượng bị đổi: quá nhiều để phân tích'],
    [/^the document is too large to analyse completely$/, 'tài liệu quá lớn để phân tích hết']
  ];

  function changeDetail(detail) {
    detail = str(detail);
    if (lang !== 'vi' || !detail) { return detail; }
    for (var i = 0; i < CHANGE_VI.length; i++) {
      if (CHANGE_VI[i][0].test(detail)) { return detail.replace(CHANGE_VI[i][0], CHANGE_VI[i][1]); }
    }
    return '';
  }

  function changeKind(kind) {
    kind = str(kind);
    var known = lookup('kinds', kind);
    if (known) { return known; }
    return kind ? kind.replace(/_/g, ' ') : lookup('kinds', 'other');
  }

  function changesNode(changes) {
    if (!changes.length) { return h('span', null, t('noChanges')); }
    var ul = h('ul', 'plain changes');
    for (var i = 0; i < changes.length; i++) {
      var c = changes[i] || {};
      var ok = c.allowed === true;
      var li = h('li', ok ? 'change change-ok' : 'change change-bad');
      li.appendChild(h('span', 'change-kind', changeKind(c.kind)));
      li.appendChild(h('span', ok ? 'pill pill-ok' : 'pill pill-bad', ok ? t('allowed') : t('notAllowed')));
      var cd = maskText(changeDetail(c.detail));
      if (cd) { li.appendChild(h('span', 'change-detail', cd)); }
      ul.appendChild(li);
    }
    return ul;
  }

  function chainNode(chain) {
    var ol = h('ol', 'chain');
    for (var i = 0; i < chain.length; i++) {
      var c = chain[i] || {};
      var li = h('li');
      li.appendChild(h('span', 'chain-subject', maskText(c.subject)));
      if (str(c.issuer)) { li.appendChild(h('span', 'chain-meta', t('issuedBy', { issuer: maskText(c.issuer) }))); }
      if (str(c.not_after)) { li.appendChild(h('span', 'chain-meta', t('validUntil', { date: formatTime(c.not_after) }))); }
      ol.appendChild(li);
    }
    return ol;
  }

  function blockName(b) {
    return lookup('blocks', str(b)) || str(b);
  }

  // einvoiceRows adds a Vietnamese e-invoice's facts: who signed (seller,
  // buyer, tax authority), the parties, the number, the total, the signing
  // time the invoice states (when it is not the claimed time shown above)
  // and whether the certificate's tax code is the signing party's.
  function einvoiceRows(dl, ei, claimed) {
    if (str(ei.block)) { row(dl, t('eiBlock'), blockName(ei.block)); }
    var party = function (name, code) {
      return str(name) + (str(code) ? ' (' + t('eiTaxCode', { code: code }) + ')' : '');
    };
    if (str(ei.seller) || str(ei.seller_tax_code)) {
      row(dl, t('eiSeller'), party(ei.seller, ei.seller_tax_code)).setAttribute('data-einvoice', 'seller');
    }
    if (str(ei.buyer) || str(ei.buyer_tax_code)) { row(dl, t('eiBuyer'), party(ei.buyer, ei.buyer_tax_code)); }
    if (str(ei.number)) {
      row(dl, t('eiNumber'), t('eiNumberText', { number: ei.number }) + (str(ei.series) ? t('eiSeries', { series: ei.series }) : ''))
        .setAttribute('data-einvoice', 'number');
    }
    if (str(ei.total)) { row(dl, t('eiTotal'), ei.total + (str(ei.currency) ? ' ' + ei.currency : '')); }
    if (str(ei.signing_time) && ei.signing_time !== claimed) { row(dl, t('eiSigningTime'), timeNode(ei.signing_time)); }
    if (ei.tax_code_match === true || ei.tax_code_match === false) {
      var ok = ei.tax_code_match === true;
      var m = h('span');
      m.appendChild(h('span', 'mono', str(ei.certificate_tax_code)));
      m.appendChild(document.createTextNode(' '));
      m.appendChild(h('span', ok ? 'pill pill-ok' : 'pill pill-bad', t(ok ? 'eiMatchYes' : 'eiMatchNo', { block: blockName(ei.block) })));
      var r = row(dl, t('eiMatch'), m);
      r.className = 'row' + (ok ? '' : ' row-bad');
      r.setAttribute('data-einvoice', ok ? 'tax-code-match' : 'tax-code-mismatch');
    }
    if (ei.data_covered === false) {
      row(dl, t('eiNotCovered'), h('span', 'pill pill-bad', t('refInvalid'))).className = 'row row-bad';
    }
  }

  // referencesNode lists what each reference of an XML signature covers
  // and whether its digest matches.
  function referencesNode(refs) {
    var ul = h('ul', 'plain changes');
    for (var i = 0; i < refs.length; i++) {
      var r = refs[i] || {};
      var ok = r.digest_valid === true;
      var li = h('li', ok ? 'change change-ok' : 'change change-bad');
      li.setAttribute('data-reference', ok ? 'valid' : 'invalid');
      li.appendChild(h('span', 'change-kind mono', str(r.covers) || str(r.uri)));
      li.appendChild(h('span', ok ? 'pill pill-ok' : 'pill pill-bad', t(ok ? 'refValid' : 'refInvalid')));
      if (str(r.problem)) { li.appendChild(h('span', 'change-detail', r.problem)); }
      ul.appendChild(li);
    }
    return ul;
  }

  function card(sig, i, n) {
    sig = sig || {};
    var xml = !!(view && view.file && view.file.kind === 'xml');
    var ind = indicationClass(sig.indication);
    var isTs = sig.type === 'document_timestamp';
    var signer = sig.signer || {};

    var art = h('article', 'sig-card sig-' + ind);
    art.setAttribute('data-indication', str(sig.indication) || 'UNKNOWN');
    if (str(sig.sub_indication)) { art.setAttribute('data-sub-indication', sig.sub_indication); }
    art.id = 'sig-card-' + i;
    var titleId = 'sig-title-' + i;
    art.setAttribute('aria-labelledby', titleId);

    var head = h('header', 'sig-head');
    head.appendChild(h('span', 'sig-icon', ind === 'passed' ? '✓' : (ind === 'failed' ? '✕' : '!')))
      .setAttribute('aria-hidden', 'true');
    var ht = h('div', 'sig-head-text');
    var status = h('p', 'sig-status', t(ind));
    ht.appendChild(status);
    var name = str(signer.name) || (isTs ? str(sig.timestamp_authority) : '');
    var title = h('h3', 'sig-title', name || t(isTs ? 'unknownTsa' : 'unknownSigner'));
    title.id = titleId;
    ht.appendChild(title);
    var meta = h('p', 'sig-meta');
    meta.appendChild(h('span', 'badge', t(isTs ? 'typeTimestamp' : 'typeSignature')));
    meta.appendChild(h('span', 'muted', ' ' + t('cardN', { i: i + 1, n: n })));
    ht.appendChild(meta);
    head.appendChild(ht);
    art.appendChild(head);

    art.appendChild(h('p', 'sig-explain', explain(sig)));

    var dl = h('dl', 'facts');
    if (str(signer.organization)) { row(dl, t('organization'), signer.organization); }
    var ids = Array.isArray(signer.identifiers) ? signer.identifiers : [];
    if (ids.length) { row(dl, t('identifiers'), identifierNode(ids)); }

    var proven = str(sig.proven_time), claimed = str(sig.claimed_time);
    if (proven) {
      row(dl, t(isTs ? 'timestampTime' : 'provenTime'), timeNode(proven));
    }
    if (claimed && (!proven || claimed !== proven)) {
      var cv = h('span');
      cv.appendChild(timeNode(claimed));
      if (!proven) {
        cv.appendChild(document.createTextNode(' '));
        cv.appendChild(h('span', 'pill pill-warn', t('claimedUnproven')));
        cv.appendChild(h('span', 'note-inline', t('claimedUnprovenNote')));
      }
      row(dl, t('claimedTime'), cv).className = 'row' + (proven ? '' : ' row-unproven');
    }
    if (!proven && !claimed) { row(dl, t('claimedTime'), t('noTime')); }
    // A document time-stamp is titled with its authority already.
    if (str(sig.timestamp_authority) && !(isTs && !str(signer.name))) { row(dl, t('tsa'), sig.timestamp_authority); }
    // A signature whose bytes or value do not verify has no level, and
    // changes_after cannot say what was changed: its signed content was.
    var sub = str(sig.sub_indication);
    var broken = ind === 'failed' && (sub === 'HASH_FAILURE' || sub === 'SIG_CRYPTO_FAILURE' || sub === 'FORMAT_FAILURE');
    if (broken && str(sig.level)) {
      row(dl, t('level'), t('levelBroken'));
    } else if (xml && str(sig.level)) {
      row(dl, t('level'), sig.level === 'XMLDSig' ? 'XML-DSig' : 'XAdES ' + sig.level);
    } else if (str(sig.level)) { row(dl, t('level'), lookup('levels', sig.level) || sig.level); }
    if (xml && sig.einvoice && typeof sig.einvoice === 'object') { einvoiceRows(dl, sig.einvoice, str(sig.claimed_time)); }
    // What the signer wrote: shown as text (h sets textContent), without
    // bidirectional overrides, isolated from the page's direction.
    if (str(sig.reason)) { row(dl, t('reason'), signerTextNode(sig.reason)); }
    if (str(sig.location)) { row(dl, t('location'), signerTextNode(sig.location)); }
    if (str(sig.contact_info)) { row(dl, t('contact'), signerTextNode(sig.contact_info)); }
    if (!isTs && sig.revocation && typeof sig.revocation === 'object') {
      var rs = str(sig.revocation.status), rr = null;
      if (rs === 'unknown') {
        rr = row(dl, t('revocation'), t(sig.revocation.online === true ? 'revUnknownOnline' : 'revUnknownOffline'));
        rr.className = 'row row-revocation row-unproven';
      } else if (rs === 'good' || rs === 'revoked') {
        rr = row(dl, t('revocation'), t(rs === 'good' ? 'revGood' : 'revRevoked') + (lookup('revFrom', str(sig.revocation.from)) || ''));
        rr.className = 'row row-revocation' + (rs === 'revoked' ? ' row-bad' : '');
      }
      if (rr) { rr.setAttribute('data-revocation', rs); }
    }
    var rev = Number(sig.revision), revs = Number(sig.revisions);
    if (rev > 0 && revs > 0) {
      row(dl, t('revision'), t('revisionText', { r: rev, n: revs }) + (rev === revs ? t('revisionLast') : ''));
    }
    var changes = Array.isArray(sig.changes_after) ? sig.changes_after : [];
    if (!xml && broken && !changes.length) {
      row(dl, t('changes'), t(sub === 'HASH_FAILURE' ? 'changesSigned' : 'changesUnknown')).className = 'row row-bad';
    } else if (!xml) {
      row(dl, t('changes'), changesNode(changes)).className = 'row' + (hasDisallowedChange(sig) ? ' row-bad' : '');
    }
    var refs = Array.isArray(sig.references) ? sig.references : [];
    if (refs.length) { row(dl, t('references'), referencesNode(refs)); }
    // With several signatures, the summary on top tells the story: each
    // card's facts and warnings are folded.
    var body = art;
    if (n > 1) {
      body = h('details', 'sig-more');
      body.appendChild(h('summary', null, t('moreDetails')));
      art.appendChild(body);
    }
    body.appendChild(dl);

    var warnings = Array.isArray(sig.warnings) ? sig.warnings : [];
    if (warnings.length) {
      var wb = h('div', 'warnings');
      wb.appendChild(h('p', 'warnings-title', t('warnings')));
      var wl = h('ul');
      var coded = Array.isArray(sig.warning_codes) ? sig.warning_codes : [];
      for (var w = 0; w < warnings.length; w++) {
        var li = h('li', null, maskText(warningText(coded[w], warnings[w])));
        if (coded[w] && str(coded[w].code)) { li.setAttribute('data-code', coded[w].code); }
        wl.appendChild(li);
      }
      wb.appendChild(wl);
      body.appendChild(wb);
    }

    var chain = Array.isArray(sig.chain) ? sig.chain : [];
    var det = h('details', 'tech');
    det.appendChild(h('summary', null, t('details')));
    var tdl = h('dl', 'facts');
    if (str(sig.field)) { row(tdl, t('field'), h('span', 'mono', sig.field)); }
    row(tdl, t('type'), t(isTs ? 'typeTimestamp' : 'typeSignature'));
    row(tdl, t('resultCode'),
      h('span', 'mono', str(sig.indication) + (str(sig.sub_indication) ? ' / ' + sig.sub_indication : '')));
    if (chain.length) { row(tdl, t('chain'), chainNode(chain)); }
    det.appendChild(tdl);
    art.appendChild(det);
    return art;
  }

  // ---- checking a file -------------------------------------------------------------

  function showError(key, file, message, requestId) {
    view = { kind: 'error', key: key, file: file, message: message || '', requestId: requestId || '' };
    finish();
  }

  function finish() {
    inflight = null;
    el.busy.hidden = true;
    el.pick.removeAttribute('aria-busy');
    render();
    el.verdict.focus();
    if (el.verdict.scrollIntoView) { el.verdict.scrollIntoView({ block: 'start' }); }
  }

  // ---- the printed report ----------------------------------------------------
  // The "Biên bản kiểm tra chữ ký số": the same file sent again with
  // ?format=report; kyso answers a PDF signed by its seal (identifiers
  // masked, as on this page), which is saved as a download.

  var lastFile = null;

  function showDownload() {
    var ok = !!(view && view.kind === 'report' && lastFile && view.report.signatures.length > 0);
    el.download.hidden = !ok;
    el.download.disabled = false;
    el.downloadStatus.hidden = true;
    el.downloadStatus.textContent = '';
  }

  function downloadStatus(key) {
    el.downloadStatus.textContent = key ? t(key) : '';
    el.downloadStatus.hidden = !key;
  }

  function downloadReport() {
    if (!view || view.kind !== 'report' || !lastFile) { return; }
    var info = view.file;
    el.download.disabled = true;
    downloadStatus('downloadBusy');
    window.fetch(ENDPOINTS[info.kind] + '?format=report', {
      method: 'POST',
      headers: { 'Content-Type': MEDIA[info.kind], 'Accept': 'application/pdf' },
      body: lastFile,
      credentials: 'same-origin',
      cache: 'no-store',
      referrerPolicy: 'no-referrer'
    }).then(function (resp) {
      if (!resp.ok || (resp.headers.get('Content-Type') || '').indexOf('application/pdf') !== 0) {
        return resp.text().then(function (body) {
          var code = '';
          try { code = str((JSON.parse(body).error || {}).code); } catch (e) { code = ''; }
          downloadStatus(code === 'not_configured' ? 'downloadNotConfigured' : code === 'rate_limited' ? 'errTooMany' : 'downloadFailed');
          el.download.disabled = false;
        });
      }
      return resp.blob().then(function (blob) {
        var a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = 'bien-ban-kiem-tra-' + info.name.replace(/\.(pdf|xml)$/i, '') + '.pdf';
        document.body.appendChild(a);
        a.click();
        document.body.removeChild(a);
        window.setTimeout(function () { URL.revokeObjectURL(a.href); }, 60000);
        downloadStatus('');
        el.download.disabled = false;
      });
    }).catch(function () {
      downloadStatus('downloadFailed');
      el.download.disabled = false;
    });
  }

  function reset() {
    if (inflight && inflight.controller) { inflight.controller.abort(); }
    inflight = null;
    view = null;
    el.input.value = '';
    el.busy.hidden = true;
    render();
    el.input.focus();
  }

  // fileKind is 'pdf', 'xml' (an e-invoice or other signed XML) or ''.
  function fileKind(file) {
    var name = (file.name || '').toLowerCase();
    if (file.type === 'application/pdf' || /\.pdf$/.test(name)) { return 'pdf'; }
    if (file.type === 'application/xml' || file.type === 'text/xml' || /\.xml$/.test(name)) { return 'xml'; }
    return '';
  }

  function hasXMLStart(buf) {
    // A UTF-8 byte order mark and white space, then "<".
    var b = new Uint8Array(buf);
    var i = 0;
    if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) { i = 3; }
    while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) { i++; }
    return i < b.length && b[i] === 0x3c;
  }

  function readHead(file) {
    var blob = file.slice(0, 1024);
    if (blob.arrayBuffer) { return blob.arrayBuffer(); }
    return new Promise(function (resolve, reject) {
      var r = new FileReader();
      r.onload = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
      r.readAsArrayBuffer(blob);
    });
  }

  function hasPdfHeader(buf) {
    // "%PDF-" within the first 1024 bytes, as PDF readers accept.
    var b = new Uint8Array(buf);
    for (var i = 0; i + 5 <= b.length; i++) {
      if (b[i] === 0x25 && b[i + 1] === 0x50 && b[i + 2] === 0x44 && b[i + 3] === 0x46 && b[i + 4] === 0x2d) {
        return true;
      }
    }
    return false;
  }

  function check(file) {
    if (!file) { return; }
    if (inflight && inflight.controller) { inflight.controller.abort(); }
    var kind = fileKind(file);
    var info = { name: file.name || (kind === 'xml' ? 'document.xml' : 'document.pdf'), size: file.size, kind: kind };
    view = null;
    render();
    if (file.size === 0) { showError('errEmpty', info); return; }
    if (file.size > MAX_BYTES) { showError('errTooBig', info); return; }
    if (!kind) { showError('errNotPdf', info); return; }

    var job = { name: info.name, controller: window.AbortController ? new AbortController() : null };
    inflight = job;
    el.busyText.textContent = t('checkingFile', { name: info.name });
    el.busy.hidden = false;
    el.pick.setAttribute('aria-busy', 'true');

    readHead(file).then(function (head) {
      if (inflight !== job) { return null; }
      if (!(kind === 'xml' ? hasXMLStart(head) : hasPdfHeader(head))) { showError('errNotPdf', info); return null; }
      lastFile = file;
      return send(file, info, job);
    }, function () {
      if (inflight === job) { showError('errRead', info); }
    });
  }

  function send(file, info, job) {
    var timedOut = false;
    var timer = window.setTimeout(function () {
      timedOut = true;
      if (job.controller) { job.controller.abort(); }
    }, TIMEOUT_MS);
    var opts = {
      method: 'POST',
      headers: { 'Content-Type': MEDIA[info.kind], 'Accept': 'application/json' },
      body: file,
      credentials: 'same-origin',
      cache: 'no-store',
      referrerPolicy: 'no-referrer'
    };
    if (job.controller) { opts.signal = job.controller.signal; }
    return window.fetch(ENDPOINTS[info.kind], opts).then(function (resp) {
      var requestId = resp.headers.get('X-Request-Id') || '';
      return resp.text().then(function (body) {
        window.clearTimeout(timer);
        if (inflight !== job) { return; }
        handleAnswer(resp.status, body, requestId, info);
      });
    }).catch(function () {
      window.clearTimeout(timer);
      if (inflight !== job) { return; }
      showError(timedOut ? 'errTimeout' : 'errNetwork', info);
    });
  }

  function handleAnswer(status, body, requestId, info) {
    var data = null;
    try { data = JSON.parse(body); } catch (e) { data = null; }
    if (status >= 200 && status < 300) {
      if (data && typeof data === 'object' && data.signatures === null && typeof data.valid === 'boolean') {
        data.signatures = []; // a report with no signature may carry null
      }
      if (data && typeof data === 'object' && Array.isArray(data.signatures)) {
        view = { kind: 'report', report: data, file: info };
        finish();
      } else {
        showError('errUnexpected', info, '', requestId);
      }
      return;
    }
    var err = data && data.error && typeof data.error === 'object' ? data.error : {};
    var code = str(err.code);
    var rid = str(err.request_id) || requestId;
    var key;
    if (status === 429 || code === 'rate_limited' || code === 'too_many_requests') {
      key = 'errTooMany';
    } else if (status === 413 || code === 'body_too_large') {
      key = 'errServerTooBig';
    } else if (status === 415 || code === 'unsupported_media_type') {
      key = 'errMedia';
    } else if (status === 503 || status === 404 || status === 405) {
      // 404/405: this server has no verification API (an old or partial
      // deployment); for the citizen the service is simply unavailable.
      key = 'errUnavailable';
    } else if (status >= 500) {
      key = 'errServer';
    } else {
      key = 'errBadDocument';
    }
    // A 5xx message is generic by design; a 4xx message says what is wrong.
    showError(key, info, status < 500 ? str(err.message) : '', rid);
  }

  // ---- wiring --------------------------------------------------------------------

  function init() {
    el.lang = document.getElementById('lang');
    el.input = document.getElementById('file');
    el.drop = document.getElementById('drop');
    el.pick = document.getElementById('pick');
    el.busy = document.getElementById('busy');
    el.busyText = document.getElementById('busy-text');
    el.result = document.getElementById('result');
    el.verdict = document.getElementById('verdict');
    el.verdictTitle = document.getElementById('verdict-title');
    el.verdictText = document.getElementById('verdict-text');
    el.verdictFile = document.getElementById('verdict-file');
    el.verdictExtra = document.getElementById('verdict-extra');
    el.cards = document.getElementById('cards');
    el.summary = document.getElementById('summary');
    el.again = document.getElementById('again');
    el.download = document.getElementById('download-report');
    el.downloadStatus = document.getElementById('download-status');

    el.lang.addEventListener('click', toggleLang);
    el.again.addEventListener('click', reset);
    el.download.addEventListener('click', downloadReport);
    el.input.addEventListener('change', function () {
      var f = el.input.files && el.input.files[0];
      if (f) { check(f); }
      // Let the same file be chosen again.
      el.input.value = '';
    });

    var depth = 0;
    function dragging(on) {
      el.drop.classList.toggle('drop-active', on);
      var sub = el.drop.querySelector('.drop-main');
      sub.textContent = on ? t('dropNow') : t('choose');
    }
    // Drops anywhere on the page are taken, so that a missed drop does not
    // make the browser open the PDF instead.
    document.addEventListener('dragenter', function (e) {
      if (!hasFiles(e)) { return; }
      e.preventDefault();
      depth++;
      dragging(true);
    });
    document.addEventListener('dragover', function (e) {
      if (!hasFiles(e)) { return; }
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    });
    document.addEventListener('dragleave', function (e) {
      if (!hasFiles(e)) { return; }
      depth = Math.max(0, depth - 1);
      if (depth === 0) { dragging(false); }
    });
    document.addEventListener('drop', function (e) {
      if (!hasFiles(e)) { return; }
      e.preventDefault();
      depth = 0;
      dragging(false);
      var f = e.dataTransfer.files && e.dataTransfer.files[0];
      if (f) { check(f); }
    });

    applyLang();
    // Tells tests (and nothing else) that the page is wired.
    document.documentElement.setAttribute('data-ready', '');
  }

  function hasFiles(e) {
    var types = e.dataTransfer && e.dataTransfer.types;
    if (!types) { return false; }
    for (var i = 0; i < types.length; i++) {
      if (types[i] === 'Files') { return true; }
    }
    return false;
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
